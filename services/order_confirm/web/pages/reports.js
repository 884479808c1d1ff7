// The reports dashboard (supervisors, admins, the shop's manager): filters, headline figures, charts, tables,
// and a drill-down from any figure or bar to the orders behind it. Numbers come from GET /api/v1/reports/*,
// the same as the CSV/XLSX exports and the daily report.
import { html, useEffect, useMemo, useState } from "../lib/html.js";
import { get } from "../lib/api.js";
import { t, useLanguage } from "../lib/i18n.js";
import { ChartCanvas, SERIES_COLOURS } from "../lib/charts.js";
import { download } from "../lib/download.js";
import { columnTitle, drillQuery, drillable, figure, groupLabel, localDate, searchParams } from "../lib/report-format.js";
import { useStylesheet } from "../lib/stylesheet.js";
import { Drilldown } from "../components/drilldown.js";
import { DailyReports } from "../components/daily-reports.js";

const REPORTS = ["speed", "outcomes", "handle_time", "quality", "same_day", "phone"];
const GROUPINGS = ["day", "hour", "operator", "tenant"];
const OUTCOME_SERIES = ["confirmed", "confirmed_with_changes", "cancelled", "unreachable", "cancelled_by_shop"];

function useReports(filters) {
  const [state, setState] = useState({ data: null, error: null });
  useEffect(() => {
    let current = true;
    const common = { from: filters.from, to: filters.to, tenant_id: filters.tenant_id, operator_id: filters.operator_id };
    const fetchAll = (group_by) => Promise.all(REPORTS.map((name) => get(`/reports/${name}?${searchParams({ ...common, group_by })}`)));
    Promise.all([fetchAll(filters.group_by), fetchAll("total")]).then(
      ([grouped, totals]) => current && setState({ data: { grouped: zip(grouped), totals: zip(totals) }, error: null }),
      (error) => current && setState({ data: null, error: error.message }),
    );
    return () => {
      current = false;
    };
  }, [searchParams(filters)]);
  return state;
}

const zip = (tables) => Object.fromEntries(REPORTS.map((name, i) => [name, tables[i]]));

// Names for the tenant and operator filters: whoever has figures in the period, names only.
function useChoices(filters, tenantCount) {
  const [choices, setChoices] = useState({ tenants: [], operators: [] });
  useEffect(() => {
    const period = { from: filters.from, to: filters.to };
    const rows = (group_by, extra = {}) =>
      get(`/reports/outcomes?${searchParams({ ...period, ...extra, group_by })}`).then((body) => body.rows.filter((r) => r.group_id !== null));
    Promise.all([tenantCount > 1 ? rows("tenant") : [], rows("operator", { tenant_id: filters.tenant_id })]).then(
      ([tenants, operators]) => setChoices({ tenants, operators }),
      () => setChoices({ tenants: [], operators: [] }),
    );
  }, [filters.from, filters.to, filters.tenant_id, tenantCount]);
  return choices;
}

function Filters({ filters, onChange, choices }) {
  const set = (name) => (event) => onChange({ ...filters, [name]: event.target.value, ...(name === "tenant_id" ? { operator_id: "" } : {}) });
  return html`<form class="report-filters" onSubmit=${(e) => e.preventDefault()}>
    <label>${t("reports.from")} <input type="date" value=${filters.from} onChange=${set("from")} data-testid="report-from" required /></label>
    <label>${t("reports.to")} <input type="date" value=${filters.to} onChange=${set("to")} data-testid="report-to" required /></label>
    <label>${t("reports.group_by")}
      <select value=${filters.group_by} onChange=${set("group_by")} data-testid="report-group-by">
        ${GROUPINGS.map((g) => html`<option key=${g} value=${g}>${t(`group.${g}`)}</option>`)}
      </select>
    </label>
    ${choices.tenants.length > 0 && html`<label>${t("reports.tenant")}
      <select value=${filters.tenant_id} onChange=${set("tenant_id")} data-testid="report-tenant">
        <option value="">${t("reports.all")}</option>
        ${choices.tenants.map((row) => html`<option key=${row.group_id} value=${row.group_id}>${row.group}</option>`)}
      </select></label>`}
    <label>${t("reports.operator")}
      <select value=${filters.operator_id} onChange=${set("operator_id")} data-testid="report-operator">
        <option value="">${t("reports.all")}</option>
        ${choices.operators.map((row) => html`<option key=${row.group_id} value=${row.group_id}>${row.group}</option>`)}
      </select>
    </label>
  </form>`;
}

function Headlines({ totals }) {
  const row = (name) => totals[name].rows[0] || {};
  const [speed, outcomes, handle, quality, sameDay, phone] = REPORTS.map(row);
  const tiles = [
    ["kpi.orders", figure(outcomes.orders, "count")],
    ["kpi.service_level", figure(speed.service_level, "share")],
    ["kpi.median_wait", figure(speed.median_seconds, "seconds")],
    ["kpi.confirmation_rate", figure(outcomes.confirmation_rate, "share")],
    ["kpi.first_attempt", figure(outcomes.first_attempt_resolution, "share")],
    ["kpi.handle", figure(handle.handle_seconds_avg, "seconds")],
    ["kpi.csat", figure(quality.csat_average, "number")],
    ["kpi.nps", figure(quality.nps, "number")],
    ["kpi.same_day", `${figure(sameDay.paid, "count")} · ${figure(sameDay.revenue_minor, "money", sameDay.currency)}`],
    ["kpi.phone_service_level", `${figure(phone.service_level, "share")} / ${figure(phone.service_level_target, "share")}`],
    ["kpi.abandonment", figure(phone.abandonment_rate, "share")],
  ];
  return html`<div class="kpis">
    ${tiles.map(([label, value]) => html`<div class="kpi" key=${label} data-testid=${label}><span class="kpi-value">${value}</span><span class="kpi-label">${t(label)}</span></div>`)}
  </div>`;
}

function Charts({ grouped, totals, grouping, onPick }) {
  const lang = useLanguage();
  const labels = grouped.speed.rows.map((row) => groupLabel(row, grouping));
  const speed = useMemo(() => ({
    type: "bar",
    data: {
      labels,
      datasets: [
        ...["within_target", "missed_target"].map((key) => ({ type: "bar", label: t(`col.${key}`), data: grouped.speed.rows.map((r) => r[key]), backgroundColor: SERIES_COLOURS[key], stack: "speed", yAxisID: "y" })),
        { type: "line", label: t("col.service_level"), data: grouped.speed.rows.map((r) => (r.service_level === null ? null : r.service_level * 100)), borderColor: SERIES_COLOURS.service_level, yAxisID: "share" },
      ],
    },
    options: { scales: { y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, share: { position: "right", min: 0, max: 100, grid: { drawOnChartArea: false } } } },
  }), [grouped, lang]);
  const outcomes = useMemo(() => ({
    type: "bar",
    data: {
      labels: grouped.outcomes.rows.map((row) => groupLabel(row, grouping)),
      datasets: OUTCOME_SERIES.map((key) => ({ label: t(`col.${key}`), data: grouped.outcomes.rows.map((r) => r[key]), backgroundColor: SERIES_COLOURS[key] })),
    },
    options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
  }), [grouped, lang]);
  const quality = totals.quality.rows[0] || {};
  const csat = useMemo(() => ({
    type: "bar",
    data: { labels: ["1", "2", "3", "4", "5"], datasets: [{ label: t("chart.csat"), data: [1, 2, 3, 4, 5].map((s) => quality[`csat.${s}`] || 0), backgroundColor: SERIES_COLOURS.csat }] },
    options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  }), [totals, lang]);
  return html`<div class="charts">
    <section class="panel chart-panel"><h3>${t("chart.speed")}</h3>
      <${ChartCanvas} config=${speed} label=${t("chart.speed")} testid="chart-speed"
        onPick=${(dataset, index) => dataset < 2 && onPick("speed", ["within_target", "missed_target"][dataset], index)} /></section>
    <section class="panel chart-panel"><h3>${t("chart.outcomes")}</h3>
      <${ChartCanvas} config=${outcomes} label=${t("chart.outcomes")} testid="chart-outcomes"
        onPick=${(dataset, index) => onPick("outcomes", OUTCOME_SERIES[dataset], index)} /></section>
    <section class="panel chart-panel small"><h3>${t("chart.csat")}</h3>
      <${ChartCanvas} config=${csat} label=${t("chart.csat")} testid="chart-csat" /></section>
  </div>`;
}

// Inbound calls per group: answered within the threshold, answered later, abandoned (short abandons apart, not
// drawn), with the service level and the abandonment rate as lines against the right-hand axis (%).
function PhoneChart({ table, grouping }) {
  const lang = useLanguage();
  const percent = (value) => (value === null ? null : value * 100);
  const config = useMemo(() => ({
    type: "bar",
    data: {
      labels: table.rows.map((row) => groupLabel(row, grouping)),
      datasets: [
        { label: t("col.answered_within"), data: table.rows.map((r) => r.answered_within), backgroundColor: SERIES_COLOURS.within_target, stack: "calls", yAxisID: "y" },
        { label: t("chart.answered_later"), data: table.rows.map((r) => r.answered - r.answered_within), backgroundColor: SERIES_COLOURS.missed_target, stack: "calls", yAxisID: "y" },
        { label: t("col.abandoned"), data: table.rows.map((r) => r.abandoned), backgroundColor: SERIES_COLOURS.abandoned, stack: "calls", yAxisID: "y" },
        { type: "line", label: t("col.service_level"), data: table.rows.map((r) => percent(r.service_level)), borderColor: SERIES_COLOURS.service_level, yAxisID: "share" },
        { type: "line", label: t("col.abandonment_rate"), data: table.rows.map((r) => percent(r.abandonment_rate)), borderColor: SERIES_COLOURS.abandoned, borderDash: [4, 3], yAxisID: "share" },
      ],
    },
    options: { scales: { y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, share: { position: "right", min: 0, max: 100, grid: { drawOnChartArea: false } } } },
  }), [table, lang]);
  const calls = table.rows.reduce((sum, row) => sum + row.offered, 0);
  return html`<section class="panel chart-panel" data-testid="phone-panel"><h3>${t("chart.phone")}</h3>
    ${calls === 0
      ? html`<p class="muted">${t("chart.phone_empty")}</p>`
      : html`<${ChartCanvas} config=${config} label=${t("chart.phone")} testid="chart-phone" />`}
  </section>`;
}

function ReportTable({ table, grouping, onPick }) {
  // One column per cancel reason or CSAT score would crowd the table; only those with figures are shown.
  const detail = (key) => key.startsWith("cancelled.") || key.startsWith("csat.");
  const columns = table.columns.filter(
    (c) => c.key !== "group_id" && c.key !== "currency" && (!detail(c.key) || table.rows.some((row) => row[c.key])),
  );
  return html`<div class="table-scroll"><table class="report-table" data-testid=${`table-${table.report}`}>
    <thead><tr>${columns.map((c) => html`<th key=${c.key} class=${c.kind === "text" ? "" : "num"}>${columnTitle(c)}</th>`)}</tr></thead>
    <tbody>
      ${table.rows.map(
        (row, index) => html`<tr key=${index} data-group=${row.group}>
          ${columns.map((c) => {
            if (c.key === "group") return html`<th scope="row" key="group">${groupLabel(row, grouping)}</th>`;
            const text = figure(row[c.key], c.kind, row.currency);
            return html`<td key=${c.key} class="num" data-key=${c.key}>${drillable(table.report, c.key) && row[c.key]
              ? html`<button type="button" class="figure" onClick=${() => onPick(table.report, c.key, index)}>${text}</button>`
              : text}</td>`;
          })}
        </tr>`,
      )}
    </tbody>
  </table></div>`;
}

export function ReportsPage({ me }) {
  useLanguage();
  useStylesheet("reports.css");
  const tenantCount = me.me?.tenant_ids?.length || 0;
  const [filters, setFilters] = useState({ from: localDate(6), to: localDate(), group_by: "day", tenant_id: "", operator_id: "" });
  const [tab, setTab] = useState("outcomes");
  const [drill, setDrill] = useState(null);
  const { data, error } = useReports(filters);
  const choices = useChoices(filters, tenantCount);
  const pick = (report, key, index) => {
    const row = data.grouped[report].rows[index];
    if (!drillable(report, key) || !row) return;
    const query = drillQuery(report, key, row, filters.group_by, data.totals[report].rows[0], filters);
    const title = t("drill.title", { figure: columnTitle({ key, title: key }), group: groupLabel(row, filters.group_by) });
    setDrill({ query, title });
  };
  const exportAs = (format) => {
    const query = searchParams({ from: filters.from, to: filters.to, group_by: filters.group_by, tenant_id: filters.tenant_id, operator_id: filters.operator_id, format });
    download(`/reports/${tab}?${query}`, `okno-${tab}-${filters.from}-${filters.to}.${format}`).catch(() => {});
  };
  return html`<div class="reports" data-testid="reports">
    <div class="reports-head"><h2>${t("nav.reports")}</h2>
      <${Filters} filters=${filters} onChange=${(next) => { setFilters(next); setDrill(null); }} choices=${choices} /></div>
    ${error && html`<p class="error" role="alert" data-testid="report-error">${error}</p>`}
    ${data && html`
      <${Headlines} totals=${data.totals} />
      <p class="muted hint">${t("reports.drill_hint")}</p>
      <${Charts} grouped=${data.grouped} totals=${data.totals} grouping=${filters.group_by} onPick=${pick} />
      <${PhoneChart} table=${data.grouped.phone} grouping=${filters.group_by} />
      ${drill && html`<${Drilldown} query=${drill.query} title=${drill.title} onClose=${() => setDrill(null)} />`}
      <section class="panel">
        <div class="tabs" role="tablist">
          ${REPORTS.map((name) => html`<button type="button" role="tab" key=${name} aria-selected=${tab === name} class=${tab === name ? "active" : ""}
            onClick=${() => setTab(name)} data-testid=${`tab-${name}`}>${t(`report.${name}`)}</button>`)}
          <span class="spacer"></span>
          <span class="muted">${t("reports.export")}</span>
          <button type="button" onClick=${() => exportAs("csv")}>CSV</button>
          <button type="button" onClick=${() => exportAs("xlsx")}>XLSX</button>
        </div>
        <${ReportTable} table=${data.grouped[tab]} grouping=${filters.group_by} onPick=${pick} />
      </section>`}
    <${DailyReports} tenantId=${filters.tenant_id} />
  </div>`;
}
