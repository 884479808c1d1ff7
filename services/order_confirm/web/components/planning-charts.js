// The plan per half hour (GET …/plan `intervals`): orders forecast vs arrived, operators required vs planned
// (a planned bar is red where it falls short), and the same figures summed per local day.
import { html, useMemo } from "../lib/html.js";
import { day, language, number, t, useLanguage } from "../lib/i18n.js";
import { ChartCanvas, SERIES_COLOURS } from "../lib/charts.js";

// "2026-12-07 10:30" → "07.12 10:30": 48 labels a day need to be short.
const label = (row) => `${row.local.slice(8, 10)}.${row.local.slice(5, 7)} ${row.local.slice(11)}`;
const X_AXIS = { ticks: { autoSkip: true, maxRotation: 0, maxTicksLimit: 14 } };

function forecastConfig(intervals) {
  return {
    type: "bar",
    data: {
      labels: intervals.map(label),
      datasets: [
        { type: "bar", label: t("series.actual"), data: intervals.map((r) => r.actual_orders), backgroundColor: SERIES_COLOURS.actual },
        { type: "line", label: t("series.forecast"), data: intervals.map((r) => r.orders), borderColor: SERIES_COLOURS.forecast, pointRadius: 0, borderWidth: 2 },
      ],
    },
    options: { scales: { x: X_AXIS, y: { beginAtZero: true } } },
  };
}

function staffingConfig(intervals) {
  return {
    type: "bar",
    data: {
      labels: intervals.map(label),
      datasets: [
        {
          type: "bar",
          label: t("series.planned"),
          data: intervals.map((r) => r.planned),
          backgroundColor: intervals.map((r) => (r.short ? SERIES_COLOURS.short : SERIES_COLOURS.planned)),
        },
        { type: "line", label: t("series.required"), data: intervals.map((r) => r.required), borderColor: SERIES_COLOURS.required, stepped: "middle", pointRadius: 0, borderWidth: 2 },
      ],
    },
    options: { scales: { x: X_AXIS, y: { beginAtZero: true, ticks: { precision: 0 } } } },
  };
}

const sum = (values) => (values.some((v) => v !== null) ? values.reduce((total, v) => total + (v || 0), 0) : null);
const shown = (value, digits = 1) =>
  value === null ? "—" : new Intl.NumberFormat(language.get(), { maximumFractionDigits: digits }).format(value);

export function dailyTotals(intervals) {
  const days = new Map();
  for (const row of intervals) {
    const key = row.local.slice(0, 10);
    if (!days.has(key)) days.set(key, []);
    days.get(key).push(row);
  }
  return [...days].map(([key, rows]) => ({
    day: key,
    orders: sum(rows.map((r) => r.orders)),
    actual: sum(rows.map((r) => r.actual_orders)),
    peak: rows.some((r) => r.required !== null) ? Math.max(...rows.map((r) => r.required || 0)) : null,
    requiredHours: sum(rows.map((r) => r.required)) === null ? null : sum(rows.map((r) => r.required)) / 2,
    plannedHours: sum(rows.map((r) => r.planned)) / 2,
    short: rows.filter((r) => r.short).length,
  }));
}

function DayTable({ intervals }) {
  const rows = dailyTotals(intervals);
  return html`<div class="table-scroll"><table class="report-table" data-testid="plan-days">
    <thead><tr>
      <th>${t("planning.day")}</th><th class="num">${t("planning.day_orders")}</th><th class="num">${t("planning.day_actual")}</th>
      <th class="num">${t("planning.day_peak")}</th><th class="num">${t("planning.day_required_hours")}</th>
      <th class="num">${t("planning.day_planned_hours")}</th><th class="num">${t("planning.day_short")}</th>
    </tr></thead>
    <tbody>${rows.map(
      (row) => html`<tr key=${row.day} data-testid="plan-day" data-day=${row.day} class=${row.short ? "short" : ""}>
        <th scope="row">${day(row.day)}</th>
        <td class="num" data-key="orders">${shown(row.orders)}</td>
        <td class="num" data-key="actual">${shown(row.actual, 0)}</td>
        <td class="num" data-key="peak">${row.peak === null ? "—" : number(row.peak)}</td>
        <td class="num" data-key="required_hours">${shown(row.requiredHours)}</td>
        <td class="num" data-key="planned_hours">${shown(row.plannedHours)}</td>
        <td class="num" data-key="short">${number(row.short)}</td>
      </tr>`,
    )}</tbody>
  </table></div>`;
}

export function PlanCharts({ intervals }) {
  const lang = useLanguage();
  const forecast = useMemo(() => forecastConfig(intervals), [intervals, lang]);
  const staffing = useMemo(() => staffingConfig(intervals), [intervals, lang]);
  return html`<div class="plan-charts">
    <section class="panel chart-panel"><h3>${t("chart.forecast_actual")}</h3>
      <${ChartCanvas} config=${forecast} label=${t("chart.forecast_actual")} testid="chart-forecast" /></section>
    <section class="panel chart-panel"><h3>${t("chart.required_planned")}</h3>
      <${ChartCanvas} config=${staffing} label=${t("chart.required_planned")} testid="chart-staffing" /></section>
  </div>
  <section class="panel"><h3>${t("planning.days_title")}</h3><${DayTable} intervals=${intervals} /></section>`;
}
