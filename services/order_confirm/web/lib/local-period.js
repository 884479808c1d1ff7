// Calendar days picked in a form ("2026-11-23") as the instants an API search needs: local midnights of the
// browser, sent with their UTC offset (the API refuses timestamps without one).
export function startOfDay(isoDate) {
  return new Date(`${isoDate}T00:00:00`).toISOString();
}

export function endOfDay(isoDate) {
  const next = new Date(`${isoDate}T00:00:00`);
  next.setDate(next.getDate() + 1);
  return next.toISOString();
}
