// Charts of the reports dashboard: Chart.js (vendor/chart.umd.min.js, the package's single-file build) behind one
// Preact component. Colours come from the console's CSS variables, numbers and labels through Intl (i18n.js).
import "../vendor/chart.umd.min.js";
import { html, useEffect, useRef } from "./html.js";

const Chart = globalThis.Chart;

export const SERIES_COLOURS = {
  confirmed: "#2e7d32",
  confirmed_with_changes: "#81c784",
  cancelled: "#c62828",
  unreachable: "#8d6e63",
  cancelled_by_shop: "#9e9e9e",
  within_target: "#1565c0",
  missed_target: "#ef6c00",
  service_level: "#6a1b9a",
  csat: "#f9a825",
  forecast: "#6a1b9a",
  actual: "#90caf9",
  required: "#ef6c00",
  planned: "#1565c0",
  short: "#c62828",
  abandoned: "#ad1457",
};

// `config` is a Chart.js configuration; `onPick(datasetIndex, index)` is called when a bar or point is clicked,
// so a figure on a chart drills down exactly like the same figure in the table.
export function ChartCanvas({ config, onPick, label, testid }) {
  const canvas = useRef(null);
  const chart = useRef(null);
  useEffect(() => {
    const options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      ...config.options,
      onClick: (_event, elements) => {
        if (onPick && elements.length) onPick(elements[0].datasetIndex, elements[0].index);
      },
    };
    chart.current = new Chart(canvas.current, { ...config, options });
    canvas.current.dataset.points = String(config.data.datasets.reduce((n, d) => n + d.data.filter((v) => v).length, 0));
    return () => chart.current.destroy();
  }, [config]);
  return html`<div class="chart-box"><canvas ref=${canvas} role="img" aria-label=${label} data-testid=${testid}></canvas></div>`;
}
