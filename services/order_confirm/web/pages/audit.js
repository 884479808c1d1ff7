// The audit log of the caller's shops (GET /api/v1/audit): who changed what, when, before → after. Read-only.
import { html, useEffect, useState } from "../lib/html.js";
import { get } from "../lib/api.js";
import { dateTime, t, useLanguage } from "../lib/i18n.js";
import { endOfDay, startOfDay } from "../lib/local-period.js";
import { localDate, searchParams } from "../lib/report-format.js";
import { useStylesheet } from "../lib/stylesheet.js";
import { useLatestOnly } from "../lib/latest.js";

const PAGE = 100;

function change(before, after) {
  const keys = [...new Set([...Object.keys(before || {}), ...Object.keys(after || {})])];
  const shown = (value) => (value === undefined || value === null ? "—" : typeof value === "object" ? JSON.stringify(value) : String(value));
  return keys
    .filter((key) => JSON.stringify(before?.[key]) !== JSON.stringify(after?.[key]))
    .map((key) => `${key}: ${shown(before?.[key])} → ${shown(after?.[key])}`)
    .join("; ");
}

export function AuditPage() {
  useLanguage();
  useStylesheet("reports.css");
  const [period, setPeriod] = useState({ from: localDate(6), to: localDate() });
  const [state, setState] = useState({ entries: null, error: null, more: false });
  const latestOnly = useLatestOnly();
  const load = (beforeId) => {
    const query = { since: startOfDay(period.from), until: endOfDay(period.to), before_id: beforeId, limit: PAGE };
    latestOnly(get(`/audit?${searchParams(query)}`)).then(
      (entries) => setState((s) => ({ entries: beforeId ? [...s.entries, ...entries] : entries, error: null, more: entries.length === PAGE })),
      (error) => setState((s) => ({ ...s, error: error.message })),
    );
  };
  useEffect(() => load(null), [period.from, period.to]);
  const set = (name) => (event) => setPeriod({ ...period, [name]: event.target.value });
  return html`<div class="reports" data-testid="audit">
    <h2>${t("nav.audit")}</h2>
    <form class="report-filters" onSubmit=${(e) => e.preventDefault()}>
      <label>${t("reports.from")} <input type="date" value=${period.from} onChange=${set("from")} /></label>
      <label>${t("reports.to")} <input type="date" value=${period.to} onChange=${set("to")} /></label>
    </form>
    ${state.error && html`<p class="error" role="alert">${state.error}</p>`}
    ${state.entries?.length === 0 && html`<p class="muted" data-testid="audit-empty">${t("audit.empty")}</p>`}
    ${state.entries?.length > 0 && html`<table>
      <thead><tr><th>${t("audit.when")}</th><th>${t("audit.actor")}</th><th>${t("audit.action")}</th><th>${t("audit.entity")}</th><th>${t("audit.change")}</th></tr></thead>
      <tbody>${state.entries.map(
        (entry) => html`<tr key=${entry.id} data-testid="audit-entry">
          <td>${dateTime(entry.occurred_at)}</td><td>${entry.actor}</td><td>${entry.action}</td>
          <td>${entry.entity} ${entry.entity_id}</td><td class="change">${change(entry.before, entry.after)}</td>
        </tr>`,
      )}</tbody>
    </table>`}
    ${state.more && html`<button type="button" onClick=${() => load(state.entries[state.entries.length - 1].id)}>${t("audit.older")}</button>`}
  </div>`;
}
