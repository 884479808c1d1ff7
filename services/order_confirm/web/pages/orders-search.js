// Read-only order search (the shop's manager; supervisors and admins too): by arrival date, number and status.
import { html, useState } from "../lib/html.js";
import { t, useLanguage } from "../lib/i18n.js";
import { endOfDay, startOfDay } from "../lib/local-period.js";
import { localDate } from "../lib/report-format.js";
import { useStylesheet } from "../lib/stylesheet.js";
import { OrderRows, useOrderSearch } from "../components/drilldown.js";

const STATUSES = ["awaiting_call", "no_answer", "callback_scheduled", "awaiting_payment", "paid", "confirmed", "confirmed_with_changes", "cancelled", "cancelled_by_shop", "unreachable"];

function Results({ query }) {
  const found = useOrderSearch(query);
  return html`<div data-testid="order-results">
    ${found.error && html`<p class="error" role="alert">${found.error}</p>`}
    ${found.total !== null && html`<p class="muted" data-testid="order-total">${t("drill.shown", { shown: found.items.length, total: found.total })}</p>`}
    ${found.items.length > 0 && html`<${OrderRows} items=${found.items} />`}
    ${found.total > found.items.length && html`<button type="button" disabled=${found.busy} onClick=${found.more}>${t("drill.more")}</button>`}
  </div>`;
}

export function OrdersSearchPage() {
  useLanguage();
  useStylesheet("reports.css");
  const [form, setForm] = useState({ from: localDate(6), to: localDate(), external_id: "", status: "" });
  const [query, setQuery] = useState(null);
  const set = (name) => (event) => setForm({ ...form, [name]: event.target.value });
  const submit = (event) => {
    event.preventDefault();
    setQuery({ received_from: startOfDay(form.from), received_before: endOfDay(form.to), external_id: form.external_id.trim(), status: form.status });
  };
  return html`<div class="reports" data-testid="orders-search">
    <h2>${t("nav.orders")}</h2>
    <form class="report-filters" onSubmit=${submit}>
      <label>${t("reports.from")} <input type="date" value=${form.from} onChange=${set("from")} required data-testid="orders-from" /></label>
      <label>${t("reports.to")} <input type="date" value=${form.to} onChange=${set("to")} required data-testid="orders-to" /></label>
      <label>${t("orders.external_id")} <input value=${form.external_id} onInput=${set("external_id")} data-testid="orders-external-id" /></label>
      <label>${t("orders.status")}
        <select value=${form.status} onChange=${set("status")} data-testid="orders-status">
          <option value="">${t("orders.any_status")}</option>
          ${STATUSES.map((s) => html`<option key=${s} value=${s}>${t(`status.${s}`)}</option>`)}
        </select>
      </label>
      <button type="submit" class="primary">${t("orders.search")}</button>
    </form>
    ${query && html`<${Results} query=${query} />`}
  </div>`;
}
