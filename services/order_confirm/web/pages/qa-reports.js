// Quality for the shop and the call centre (GET /api/v1/qa/tenants/{id}/reports/…): quality against the
// target beside CSAT/NPS, the criteria failed most, CSV/XLSX export; calibrations with their spread (and one's
// own to score); recent evaluations, where the shop's manager gives kudos or marks an example.
import { html, useEffect, useMemo, useState } from "../lib/html.js";
import { ChartCanvas } from "../lib/charts.js";
import { get, post } from "../lib/api.js";
import { dateTime, t, useLanguage } from "../lib/i18n.js";
import { download } from "../lib/download.js";
import { navigate } from "../lib/router.js";
import { columnTitle, figure, localDate, searchParams } from "../lib/report-format.js";
import { useStylesheet } from "../lib/stylesheet.js";
import { qaPath, useQaTenant } from "../lib/qa-tenant.js";

const GROUPINGS = ["operator", "team", "week", "tenant"];

function ReportTable({ report, testid }) {
  if (!report) return null;
  return html`<div class="table-scroll"><table class="report-table" data-testid=${testid}>
    <thead><tr>${report.columns.filter((c) => c.key !== "group_id").map((c) => html`<th key=${c.key}>${columnTitle(c)}</th>`)}</tr></thead>
    <tbody>${report.rows.map((row, n) => html`<tr key=${n}>${report.columns.filter((c) => c.key !== "group_id").map(
      (c) => html`<td key=${c.key} data-key=${c.key} class=${c.kind === "text" ? "" : "num"}>${figure(row[c.key], c.kind)}</td>`,
    )}</tr>`)}</tbody>
  </table></div>`;
}

// Quality per week against the shop's target: the line a call centre shows the shop.
function WeeklyChart({ report }) {
  const config = useMemo(() => {
    const rows = report?.rows ?? [];
    return {
      type: "line",
      data: {
        labels: rows.map((row) => row.group),
        datasets: [
          { label: t("qa.series.score"), data: rows.map((row) => row.score), borderColor: "#1565c0", backgroundColor: "#1565c0" },
          { label: t("qa.series.target"), data: rows.map(() => report.target), borderColor: "#c62828", borderDash: [4, 4], pointRadius: 2 },
        ],
      },
      options: { scales: { y: { min: 0, max: 100 } } },
    };
  }, [report]);
  if (!report?.rows.length) return null;
  return html`<div class="panel chart-panel"><h3>${t("qa.chart.weekly")}</h3>
    <${ChartCanvas} config=${config} label=${t("qa.chart.weekly")} testid="qa-chart-weekly" /></div>`;
}

function Calibrations({ items, me }) {
  if (!items.length) return null;
  return html`<h3>${t("qa.calibrations")}</h3>
    <ul data-testid="qa-calibrations">${items.map((c) => {
      const mine = c.participants.find((p) => p.id === me.operator.id);
      return html`<li key=${c.id} data-testid="qa-calibration" data-id=${c.id}>
        <strong>${c.title || `#${c.id}`}</strong> ·
        ${c.participants.map((p) => html`<span key=${p.id} class="badge">${p.name}${p.submitted ? " ✓" : ""}</span> `)}
        ${c.spread
          ? html`<span class=${c.spread.within_goal ? "muted" : "error"}>${t("qa.spread", { points: c.spread.total_spread_points, goal: c.spread.goal_points })}</span>`
          : mine && !mine.submitted && html`<button type="button" onClick=${() => navigate(`/qa/calibrations/${c.id}`)}>${t("qa.evaluate")}</button>`}
      </li>`;
    })}</ul>`;
}

function RecentEvaluations({ items, canPraise, onPraise }) {
  if (!items.length) return null;
  return html`<h3>${t("qa.recent")}</h3>
    <table data-testid="qa-recent"><tbody>${items.map((e) => html`<tr key=${e.id}>
      <td>${dateTime(e.submitted_at)}</td><td>${e.operator.name}</td><td class="num">${e.score} %</td>
      <td>${canPraise && html`<button type="button" onClick=${() => onPraise(e, "kudos")}>${t("qa.give_kudos")}</button>
        <button type="button" onClick=${() => onPraise(e, "example")}>${t("qa.mark_example")}</button>`}</td>
    </tr>`)}</tbody></table>`;
}

export function QaReportsPage({ me }) {
  useLanguage();
  useStylesheet("reports.css");
  const tenant = useQaTenant();
  const [filters, setFilters] = useState({ from: localDate(13), to: localDate(), group_by: "operator" });
  const [state, setState] = useState({ quality: null, weekly: null, criteria: null, calibrations: [], recent: [], error: null, notice: null });
  const load = () => {
    const period = searchParams(filters);
    Promise.all([
      get(qaPath(tenant, `/reports/quality?${period}`)),
      get(qaPath(tenant, `/reports/criteria?${period}`)),
      get(qaPath(tenant, `/reports/quality?${searchParams({ ...filters, group_by: "week" })}`)),
      get(qaPath(tenant, "/calibrations")),
      get(qaPath(tenant, "/evaluations?status=submitted&limit=20")),
    ]).then(
      ([quality, criteria, weekly, calibrations, recent]) =>
        setState((s) => ({ ...s, quality, criteria, weekly, calibrations, recent, error: null })),
      (error) => setState((s) => ({ ...s, error: error.message })),
    );
  };
  useEffect(() => {
    if (tenant) load();
  }, [tenant, searchParams(filters)]);
  const set = (name) => (event) => setFilters({ ...filters, [name]: event.target.value });
  const exportAs = (format) =>
    download(qaPath(tenant, `/reports/quality?${searchParams({ ...filters, format })}`), `okno-quality-${filters.from}-${filters.to}.${format}`).catch(
      (error) => setState((s) => ({ ...s, error: error.message })),
    );
  const praise = (evaluation, kind) =>
    post(qaPath(tenant, "/kudos"), { attempt_id: evaluation.attempt_id, kind }).then(
      () => setState((s) => ({ ...s, notice: t(`qa.praised.${kind}`, { operator: evaluation.operator.name }) })),
      (error) => setState((s) => ({ ...s, error: error.message })),
    );
  const canPraise = ["qa", "client_manager"].includes(me.operator.role);
  return html`<div class="reports" data-testid="qa-reports">
    <h2>${t("nav.quality")}</h2>
    <form class="report-filters" onSubmit=${(e) => e.preventDefault()}>
      <label>${t("reports.from")} <input type="date" value=${filters.from} onChange=${set("from")} data-testid="qa-from" /></label>
      <label>${t("reports.to")} <input type="date" value=${filters.to} onChange=${set("to")} data-testid="qa-to" /></label>
      <label>${t("qa.group_by")} <select value=${filters.group_by} onChange=${set("group_by")} data-testid="qa-group-by">
        ${GROUPINGS.map((g) => html`<option key=${g} value=${g}>${t(`qa.group.${g}`)}</option>`)}</select></label>
      <button type="button" onClick=${() => exportAs("csv")}>CSV</button>
      <button type="button" onClick=${() => exportAs("xlsx")}>XLSX</button>
    </form>
    ${state.error && html`<p class="error" role="alert">${state.error}</p>`}
    ${state.notice && html`<p class="notice" role="status">${state.notice}</p>`}
    ${state.quality && html`<p class="muted">${t("qa.target", { target: state.quality.target })}</p>`}
    <${WeeklyChart} report=${state.weekly} />
    <${ReportTable} report=${state.quality} testid="qa-quality" />
    <h3>${t("qa.criteria_failed")}</h3>
    <${ReportTable} report=${state.criteria} testid="qa-criteria" />
    <${Calibrations} items=${state.calibrations} me=${me} />
    <${RecentEvaluations} items=${state.recent} canPraise=${canPraise} onPraise=${praise} />
  </div>`;
}
