// My queue: what is due now first (same-day/express on top), then what comes later; the selected order's
// card beside it. Updates live: a new order, a shop change or cancellation, a reassignment.
import { html, useCallback, useEffect, useRef, useState } from "../lib/html.js";
import { get, idempotencyKey, request } from "../lib/api.js";
import { dateTime, money, relative, t, useLanguage } from "../lib/i18n.js";
import { useShortcuts } from "../lib/keys.js";
import { navigate } from "../lib/router.js";
import { useSignal } from "../lib/store.js";
import { OrderCard } from "../components/order-card.js";

function QueueRow({ item, selected, active, onOpen }) {
  const { task, order, customer } = item;
  return html`<li class=${`queue-row${selected ? " selected" : ""}${active ? " active" : ""}`} data-testid="queue-row"
    data-order=${order?.id} aria-selected=${selected} onClick=${onOpen}>
    <div class="row-main">
      <strong>${customer.name}</strong>
      ${order && html`<span class="muted">${order.external_id}</span>`}
      ${order?.urgent && html`<span class="badge urgent">${t("badge.urgent")}</span>`}
      ${task.is_cover && html`<span class="badge">${t("badge.cover")}</span>`}
    </div>
    <div class="row-meta">
      <span class=${`kind kind-${task.kind}`}>${t(`task.${task.kind}`)}</span>
      ${task.kind === "callback" || !item.is_due
        ? html`<span class="due-at" title=${customer.timezone}>${dateTime(task.due_at, customer.timezone)}</span>`
        : html`<span class="muted">${relative(task.due_at)}</span>`}
      ${order && html`<span>${money(order.total, order.currency)}</span>`}
      ${order?.attempts_count > 0 && html`<span class="attempts" title=${t("queue.attempts")}>☎ ${order.attempts_count}</span>`}
    </div>
  </li>`;
}

export function QueuePage({ params }) {
  useLanguage();
  const [items, setItems] = useState(null);
  const [error, setError] = useState(null);
  const [cursor, setCursor] = useState(0);
  const [notice, setNotice] = useState(null);
  const pending = useRef(null);
  const openOrder = params.order ? Number(params.order) : null;

  const load = useCallback(async () => {
    try {
      setItems(await get("/queue"));
      setError(null);
    } catch (failure) {
      setError(failure.message);
    }
  }, []);
  useEffect(() => {
    load();
  }, []);
  // Bursts of changes (a shop importing a hundred orders) become one refetch.
  useSignal(
    "queue",
    useCallback(() => {
      clearTimeout(pending.current);
      pending.current = setTimeout(load, 150);
    }, [load]),
  );

  const due = (items || []).filter((item) => item.is_due);
  const later = (items || []).filter((item) => !item.is_due);
  const ordered = [...due, ...later];
  const safeCursor = Math.min(cursor, Math.max(0, ordered.length - 1));

  async function claimNext() {
    setNotice(null);
    try {
      const { data, status } = await request("POST", "/queue/next", { headers: { "Idempotency-Key": idempotencyKey() } });
      if (status === 204 || !data) return setNotice(t("queue.nothing_due"));
      if (data.order) navigate(`/queue/${data.order.id}`);
      load();
    } catch (failure) {
      setNotice(failure.message);
    }
  }

  const openAt = (index) => {
    const order = ordered[index]?.order;
    if (order) navigate(`/queue/${order.id}`);
  };
  useShortcuts([
    { key: "n", label: t("queue.next"), run: claimNext },
    { key: "j", label: t("queue.down"), run: () => setCursor(Math.min(safeCursor + 1, ordered.length - 1)) },
    { key: "ArrowDown", label: "", run: () => setCursor(Math.min(safeCursor + 1, ordered.length - 1)) },
    { key: "k", label: t("queue.up"), run: () => setCursor(Math.max(safeCursor - 1, 0)) },
    { key: "ArrowUp", label: "", run: () => setCursor(Math.max(safeCursor - 1, 0)) },
    { key: "Enter", label: t("queue.open"), run: () => openAt(safeCursor) },
  ]);

  const section = (title, list, offset, testid) => html`<section class="queue-section" data-testid=${testid}>
    <h3>${title} <span class="count">${list.length}</span></h3>
    ${list.length === 0 ? html`<p class="muted empty-line">${t("queue.section_empty")}</p>` : ""}
    <ul>
      ${list.map(
        (item, i) => html`<${QueueRow} key=${item.task.id} item=${item} selected=${offset + i === safeCursor}
          active=${item.order?.id === openOrder} onOpen=${() => {
            setCursor(offset + i);
            if (item.order) navigate(`/queue/${item.order.id}`);
          }} />`,
      )}
    </ul>
  </section>`;

  return html`<div class="queue-page">
    <aside class="queue" data-testid="queue">
      <div class="queue-head">
        <h2>${t("nav.queue")}</h2>
        <button type="button" class="primary" onClick=${claimNext} data-testid="next-task">${t("queue.next")} <kbd>N</kbd></button>
      </div>
      ${notice && html`<p class="notice" role="status">${notice}</p>`}
      ${error && html`<p class="error" role="alert">${error} <button type="button" onClick=${load}>${t("action.retry")}</button></p>`}
      ${items === null && !error && html`<p class="muted">${t("state.loading")}</p>`}
      ${items && items.length === 0 && html`<p class="empty" data-testid="queue-empty">${t("queue.empty")}</p>`}
      ${items && items.length > 0 && html`${section(t("queue.due"), due, 0, "queue-due")}${section(t("queue.later"), later, due.length, "queue-later")}`}
    </aside>
    <div class="detail">
      ${openOrder
        ? html`<${OrderCard} key=${openOrder} orderId=${openOrder} onDone=${() => load()} />`
        : html`<div class="empty-card"><p>${t("queue.pick")}</p><p class="muted">${t("queue.pick_hint")}</p></div>`}
    </div>
  </div>`;
}
