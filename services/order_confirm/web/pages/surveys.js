// Survey results one by one (GET /api/v1/surveys): the customer's CSAT and NPS per call, operator by name.
import { html, useEffect, useState } from "../lib/html.js";
import { get } from "../lib/api.js";
import { dateTime, t, useLanguage } from "../lib/i18n.js";
import { endOfDay, startOfDay } from "../lib/local-period.js";
import { localDate, searchParams } from "../lib/report-format.js";
import { useStylesheet } from "../lib/stylesheet.js";
import { useLatestOnly } from "../lib/latest.js";

const PAGE = 100;
const NPS_GROUPS = ["promoter", "passive", "detractor"];

export function SurveysPage() {
  useLanguage();
  useStylesheet("reports.css");
  const [filters, setFilters] = useState({ from: localDate(6), to: localDate(), nps_group: "" });
  const [state, setState] = useState({ items: null, total: 0, error: null });
  const latestOnly = useLatestOnly();
  const load = (offset) => {
    const query = { called_from: startOfDay(filters.from), called_before: endOfDay(filters.to), nps_group: filters.nps_group, limit: PAGE, offset };
    latestOnly(get(`/surveys?${searchParams(query)}`)).then(
      (body) => setState((s) => ({ items: offset ? [...s.items, ...body.items] : body.items, total: body.total, error: null })),
      (error) => setState((s) => ({ ...s, error: error.message })),
    );
  };
  useEffect(() => load(0), [searchParams(filters)]);
  const set = (name) => (event) => setFilters({ ...filters, [name]: event.target.value });
  return html`<div class="reports" data-testid="surveys">
    <h2>${t("nav.surveys")}</h2>
    <form class="report-filters" onSubmit=${(e) => e.preventDefault()}>
      <label>${t("reports.from")} <input type="date" value=${filters.from} onChange=${set("from")} data-testid="surveys-from" /></label>
      <label>${t("reports.to")} <input type="date" value=${filters.to} onChange=${set("to")} data-testid="surveys-to" /></label>
      <label>${t("kpi.nps")}
        <select value=${filters.nps_group} onChange=${set("nps_group")} data-testid="surveys-nps-group">
          <option value="">${t("surveys.any")}</option>
          ${NPS_GROUPS.map((g) => html`<option key=${g} value=${g}>${t(`nps_group.${g}`)}</option>`)}
        </select>
      </label>
    </form>
    ${state.error && html`<p class="error" role="alert">${state.error}</p>`}
    ${state.items && html`<p class="muted" data-testid="surveys-total">${t("drill.shown", { shown: state.items.length, total: state.total })}</p>`}
    ${state.items?.length > 0 && html`<table>
      <thead><tr><th>${t("surveys.called")}</th><th>${t("orders.external_id")}</th><th>${t("orders.operator")}</th><th>${t("surveys.status")}</th>
        <th class="num">${t("surveys.csat")}</th><th class="num">${t("surveys.nps")}</th><th>${t("surveys.callback")}</th></tr></thead>
      <tbody>${state.items.map(
        (item) => html`<tr key=${item.attempt_id} data-testid="survey-row" data-external-id=${item.external_id}>
          <td>${dateTime(item.called_at)}</td><td>${item.external_id}</td><td>${item.operator}</td>
          <td>${t(`survey_status.${item.survey_status}`)}</td>
          <td class="num">${item.csat ?? "—"}</td><td class="num">${item.nps ?? "—"}</td><td>${item.callback_requested ? "✓" : ""}</td>
        </tr>`,
      )}</tbody>
    </table>`}
    ${state.items && state.total > state.items.length && html`<button type="button" onClick=${() => load(state.items.length)}>${t("drill.more")}</button>`}
  </div>`;
}
