// Wall-clock time in a named timezone <-> instants, for <input type="datetime-local"> values: a callback
// is picked in the tenant's timezone whatever timezone the operator's computer is set to.

function wallClockParts(instant, timeZone) {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(instant);
  const get = (type) => Number(parts.find((part) => part.type === type).value);
  return { year: get("year"), month: get("month"), day: get("day"), hour: get("hour"), minute: get("minute"), second: get("second") };
}

function offsetMs(instant, timeZone) {
  const p = wallClockParts(instant, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(instant.getTime() / 1000) * 1000;
}

// "2026-11-24T10:30" in `timeZone` -> ISO instant with offset Z.
export function zonedToIso(localValue, timeZone) {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(localValue || "");
  if (!match) return null;
  const [, y, mo, d, h, mi] = match.map(Number);
  const asUtc = Date.UTC(y, mo - 1, d, h, mi);
  // Two passes settle the offset across a DST change.
  let instant = new Date(asUtc - offsetMs(new Date(asUtc), timeZone));
  instant = new Date(asUtc - offsetMs(instant, timeZone));
  return instant.toISOString();
}

// An instant -> "2026-11-24T10:30" as the wall clock in `timeZone` shows it.
export function isoToZoned(iso, timeZone) {
  const p = wallClockParts(new Date(iso), timeZone);
  const pad = (n) => String(n).padStart(2, "0");
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}`;
}
