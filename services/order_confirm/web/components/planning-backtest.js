// How each stream was forecast (the stored plan's summary): the method in use, the history it had, and the
// backtest error (WAPE) of Holt-Winters beside the seasonal-naive baseline — or why there was no backtest.
import { html } from "../lib/html.js";
import { day, t, useLanguage } from "../lib/i18n.js";
import { percent } from "../lib/report-format.js";

const METHODS = ["holt_winters", "seasonal_naive"];
const BACKTEST_NEEDS_DAYS = 28; // 14 days to test on and 14 to learn from (planning/domain/forecast.py)

function Why({ stream, summary }) {
  if (stream === "inbound" && summary.method === "none") return html`<p class="muted">${t("backtest.why.no_inbound")}</p>`;
  if (summary.backtest) {
    return html`<p class="muted">${t("backtest.period", { days: summary.backtest.days, first_day: day(summary.backtest.first_day) })}</p>`;
  }
  const params = { days: summary.history_days, needed: BACKTEST_NEEDS_DAYS };
  return html`<p class="muted" data-testid="backtest-why">${t(`backtest.why.${summary.method}`, params)}</p>`;
}

function ErrorTable({ stream, backtest, method }) {
  return html`<table class="backtest-table" data-testid=${`backtest-${stream}`}>
    <thead><tr><th>${t("backtest.method")}</th><th class="num">${t("backtest.wape")}</th></tr></thead>
    <tbody>${METHODS.map(
      (name) => html`<tr key=${name} data-method=${name} class=${name === method ? "chosen" : ""}>
        <td>${t(`method.${name}`)} ${name === method && html`<span class="badge">${t("backtest.chosen")}</span>`}</td>
        <td class="num" data-key="wape">${percent(backtest.wape[name])}</td>
      </tr>`,
    )}</tbody>
  </table>`;
}

function Stream({ stream, summary }) {
  return html`<div class="backtest-stream" data-testid=${`forecast-${stream}`} data-method=${summary.method}>
    <h4>${t(`backtest.stream.${stream}`)}</h4>
    <p>${t("backtest.method")}: <strong>${t(`method.${summary.method}`)}</strong> ·
      ${t("backtest.history")}: ${t("backtest.history_days", { days: summary.history_days })}</p>
    <${Why} stream=${stream} summary=${summary} />
    ${summary.backtest && html`<${ErrorTable} stream=${stream} backtest=${summary.backtest} method=${summary.method} />`}
  </div>`;
}

export function Backtest({ plan }) {
  useLanguage();
  return html`<section class="panel" data-testid="backtest">
    <h3>${t("backtest.title")}</h3>
    <div class="backtest-streams">
      <${Stream} stream="orders" summary=${plan.orders} />
      <${Stream} stream="inbound" summary=${plan.inbound} />
    </div>
    <p class="muted hint">${t("backtest.wape_hint")}</p>
  </section>`;
}
