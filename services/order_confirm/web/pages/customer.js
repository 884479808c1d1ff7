// The customer's timeline: everything that happened with this customer, newest first, with notes.
import { html, useCallback, useEffect, useState } from "../lib/html.js";
import { get } from "../lib/api.js";
import { dateTime, money, t, useLanguage } from "../lib/i18n.js";
import { useShortcuts } from "../lib/keys.js";
import { navigate } from "../lib/router.js";
import { NoteDialog } from "../components/outcome-dialogs.js";
import { ReassignDialog } from "../components/reassign.js";

export function CustomerPage({ params, me }) {
  const lang = useLanguage();
  const id = Number(params.customer);
  const [found, setFound] = useState(null);
  const [error, setError] = useState(null);
  const [writing, setWriting] = useState(false);
  const [moving, setMoving] = useState(null); // the floor's operators while the reassign dialog is open
  const supervises = ["supervisor", "admin"].includes(me.operator.role);
  const startMoving = () => get("/floor").then((floor) => setMoving(floor.operators), (e) => setError(e.message));
  const load = useCallback(() => {
    get(`/customers/${id}`).then(
      (body) => {
        setFound(body);
        setError(null);
      },
      (failure) => setError(failure.status === 404 ? t("customer.gone") : failure.message),
    );
  }, [id]);
  useEffect(load, [id, lang]); // the timeline's lines are told in the console's language: ask again
  useShortcuts(
    writing || moving
      ? []
      : [
          { key: "m", label: t("action.note"), run: () => setWriting(true) },
          supervises && { key: "o", label: t("customer.reassign"), run: startMoving },
          { key: "Escape", label: t("action.back"), run: () => history.back() },
        ],
  );
  if (error) return html`<p class="empty" role="alert">${error}</p>`;
  if (!found) return html`<p class="muted">${t("state.loading")}</p>`;
  const { customer, owner, orders } = found;
  const lines = [
    ...found.timeline.map((event) => ({ key: `e${event.id}`, at: event.occurred_at, kind: event.kind, text: event.text, order: event.order_id })),
    ...found.notes.map((note) => ({ key: `n${note.id}`, at: note.created_at, kind: "note", text: note.text, order: note.order_id })),
  ].sort((a, b) => new Date(b.at) - new Date(a.at));
  const orderById = Object.fromEntries(orders.map((order) => [order.id, order]));
  return html`<div class="customer-page">
    <header class="card-head">
      <h2 data-testid="customer-title">${customer.name}</h2>
      <span class="muted">${customer.phone}</span>
      ${owner && html`<span class="muted">${t("customer.owner", { name: owner.name })}</span>`}
      <button type="button" class="primary" onClick=${() => setWriting(true)} data-testid="add-note">${t("action.note")} <kbd>M</kbd></button>
      ${supervises && html`<button type="button" onClick=${startMoving} data-testid="reassign">${t("customer.reassign")} <kbd>O</kbd></button>`}
    </header>
    <section class="panel">
      <h3>${t("customer.orders")}</h3>
      <ul class="orders">
        ${orders.map(
          (order) => html`<li key=${order.id}>
            <a href=${`#/queue/${order.id}`}>${order.external_id}</a> · ${t(`status.${order.status}`)} · ${money(order.total, order.currency)}
          </li>`,
        )}
      </ul>
    </section>
    <section class="panel">
      <h3>${t("customer.timeline")}</h3>
      ${lines.length === 0 && html`<p class="muted">${t("customer.no_events")}</p>`}
      <ol class="timeline" data-testid="timeline">
        ${lines.map(
          (line) => html`<li key=${line.key} class=${`kind-${line.kind}`}>
            <time>${dateTime(line.at)}</time>
            ${line.kind === "note" ? html`<strong>${t("timeline.note")}:</strong> ` : ""}${line.text}
            ${line.order && orderById[line.order] ? html` <small class="muted">(${orderById[line.order].external_id})</small>` : ""}
          </li>`,
        )}
      </ol>
    </section>
    ${writing &&
    html`<${NoteDialog} customer=${customer} onClose=${() => setWriting(false)} onDone=${() => {
      setWriting(false);
      load();
    }} />`}
    ${moving &&
    html`<${ReassignDialog} operators=${moving} customerId=${customer.id} onClose=${() => setMoving(null)} onDone=${() => {
      setMoving(null);
      load();
    }} />`}
    <p><button type="button" class="link" onClick=${() => navigate("/queue")}>← ${t("nav.queue")}</button></p>
  </div>`;
}
