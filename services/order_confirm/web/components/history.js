// The order's history: its call attempts and every line of the customer's timeline about this order.
import { html } from "../lib/html.js";
import { dateTime, t } from "../lib/i18n.js";

export function OrderHistory({ order, timeline }) {
  const lines = [
    ...order.attempts.map((attempt) => ({
      key: `a${attempt.id}`,
      at: attempt.ended_at || attempt.started_at,
      text: attempt.disposition
        ? `${t(`disposition.${attempt.disposition}`)}${attempt.callback_at ? ` → ${dateTime(attempt.callback_at, order.customer.timezone)}` : ""}${attempt.comment ? ` · ${attempt.comment}` : ""}`
        : t("call.in_progress"),
    })),
    ...(timeline || [])
      .filter((event) => event.order_id === order.id && event.kind !== "attempt")
      .map((event) => ({ key: `e${event.id}`, at: event.occurred_at, text: event.text })),
  ].sort((a, b) => new Date(b.at) - new Date(a.at));
  return html`<section class="panel">
    <h3>${t("order.history")}</h3>
    ${lines.length === 0 && html`<p class="muted">${t("order.no_history")}</p>`}
    <ol class="history" data-testid="order-history">
      ${lines.map((line) => html`<li key=${line.key}><time>${dateTime(line.at)}</time> ${line.text}</li>`)}
    </ol>
  </section>`;
}
