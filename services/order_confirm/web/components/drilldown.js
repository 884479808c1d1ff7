// The orders behind a report figure (GET /api/v1/reports/orders), page by page. Read-only for every role.
import { html, useEffect, useState } from "../lib/html.js";
import { get } from "../lib/api.js";
import { dateTime, money, number, t, useLanguage } from "../lib/i18n.js";
import { searchParams, waited } from "../lib/report-format.js";
import { useLatestOnly } from "../lib/latest.js";

const PAGE = 50;

export function OrderRows({ items }) {
  return html`<table class="orders-table">
    <thead><tr>
      <th>${t("orders.external_id")}</th><th>${t("orders.customer")}</th><th>${t("orders.status")}</th>
      <th>${t("orders.received")}</th><th class="num">${t("orders.wait")}</th><th class="num">${t("orders.attempts")}</th>
      <th>${t("orders.operator")}</th><th class="num">${t("orders.total")}</th>
    </tr></thead>
    <tbody>
      ${items.map(
        (order) => html`<tr key=${order.id} data-testid="drill-order" data-external-id=${order.external_id}>
          <td>${order.external_id}</td><td>${order.customer_name}</td>
          <td>${t(`status.${order.status}`)}${order.close_reason ? html` <small class="muted">${t(`cancel_reason.${order.close_reason}`)}</small>` : ""}</td>
          <td>${dateTime(order.received_at)}</td><td class="num">${waited(order.wait_seconds)}</td>
          <td class="num">${number(order.attempts)}</td><td>${order.operator || "—"}</td>
          <td class="num">${money(order.total_minor / 100, order.currency)}</td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

// `query`: the search of GET /reports/orders (received_from, received_before, status, operator_id, …).
export function useOrderSearch(query) {
  const [state, setState] = useState({ items: [], total: null, error: null, busy: true });
  const latestOnly = useLatestOnly();
  const load = (offset) => {
    // A new search clears the old rows at once, so they are never mistaken for its answer.
    setState((s) => (offset ? { ...s, busy: true } : { items: [], total: null, error: null, busy: true }));
    latestOnly(get(`/reports/orders?${searchParams({ ...query, limit: PAGE, offset })}`)).then(
      (body) => setState((s) => ({ items: offset ? [...s.items, ...body.items] : body.items, total: body.total, error: null, busy: false })),
      (error) => setState((s) => ({ ...s, error: error.message, busy: false })),
    );
  };
  useEffect(() => load(0), [searchParams(query)]);
  return { ...state, more: () => load(state.items.length) };
}

export function Drilldown({ query, title, onClose }) {
  useLanguage();
  const found = useOrderSearch(query);
  return html`<section class="panel drilldown" data-testid="drilldown" aria-live="polite">
    <div class="panel-head">
      <h3>${title}</h3>
      ${found.total !== null && html`<span class="muted" data-testid="drill-total">${t("drill.shown", { shown: found.items.length, total: found.total })}</span>`}
      <span class="spacer"></span>
      <button type="button" class="link" onClick=${onClose}>${t("action.close")}</button>
    </div>
    ${found.error && html`<p class="error" role="alert">${found.error}</p>`}
    ${found.total === 0 && html`<p class="muted">${t("drill.none")}</p>`}
    ${found.items.length > 0 && html`<${OrderRows} items=${found.items} />`}
    ${found.total > found.items.length && html`<button type="button" disabled=${found.busy} onClick=${found.more}>${t("drill.more")}</button>`}
  </section>`;
}
