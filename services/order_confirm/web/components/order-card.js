// The order card: everything about one order and every action of the call, each on one key.
import { html, useCallback, useEffect, useRef, useState } from "../lib/html.js";
import { ApiError, get, idempotencyKey, post, session } from "../lib/api.js";
import { dateTime, day, duration, money, t, useLanguage } from "../lib/i18n.js";
import { useShortcuts } from "../lib/keys.js";
import { navigate } from "../lib/router.js";
import { attachTo, dial, phone, ringMyPhone, unattached } from "../lib/softphone/index.js";
import { emit, useObservable, useSignal } from "../lib/store.js";
import { OrderHistory } from "./history.js";
import { OrderEdit } from "./order-edit.js";
import { CallbackDialog, CancelDialog, ConfirmElsewhereDialog, NoteDialog, WrongNumberDialog } from "./outcome-dialogs.js";
import { SameDayPanel } from "./same-day.js";

// An unreachable order stays workable: a new call reopens it (docs/workflow.md).
const CLOSED = ["confirmed", "confirmed_with_changes", "cancelled", "cancelled_by_shop"];

function useCallTimer(startedAt) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!startedAt) return undefined;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [startedAt]);
  return startedAt ? duration((now - new Date(startedAt).getTime()) / 1000) : null;
}

function Phone({ phone }) {
  const [copied, setCopied] = useState(false);
  async function copy() {
    try {
      await navigator.clipboard.writeText(phone);
    } catch {
      // Without clipboard permission, select the number so Ctrl+C copies it.
      const range = document.createRange();
      range.selectNodeContents(document.querySelector("[data-testid=phone] span"));
      getSelection().removeAllRanges();
      getSelection().addRange(range);
    }
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  }
  return html`<button type="button" class="phone" onClick=${copy} title=${t("phone.copy")} data-testid="phone">
    <span>${phone}</span> <small class="muted">${copied ? t("phone.copied") : t("phone.copy_short")}</small>
  </button>`;
}

function Items({ order }) {
  return html`<table class="items" data-testid="items">
    <thead><tr><th>${t("field.item")}</th><th class="num">${t("field.quantity")}</th><th class="num">${t("field.unit_price")}</th><th class="num">${t("field.sum")}</th></tr></thead>
    <tbody>
      ${order.items.map(
        (item) => html`<tr key=${item.sku}>
          <td>${item.name} <small class="muted">${item.sku}</small></td>
          <td class="num" data-testid=${`quantity-${item.sku}`}>${item.quantity}</td>
          <td class="num">${money(item.unit_price, order.currency)}</td>
          <td class="num">${money(Number(item.unit_price) * item.quantity, order.currency)}</td>
        </tr>`,
      )}
    </tbody>
    <tfoot><tr><th colspan="3">${t("field.total")}</th><td class="num" data-testid="total">${money(order.total, order.currency)}</td></tr></tfoot>
  </table>`;
}

export function OrderCard({ orderId, onDone }) {
  const lang = useLanguage();
  const [order, setOrder] = useState(null);
  const [history, setHistory] = useState(null);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState(null);
  const [dialog, setDialog] = useState(null); // "edit" | "callback" | "cancel" | "wrong" | "note" | "elsewhere"
  const [busy, setBusy] = useState(false);
  const me = session.get()?.operator;

  const shown = useRef(null); // the version on screen, to tell someone else's change from our own
  const load = useCallback(async () => {
    try {
      const found = await get(`/orders/${orderId}`);
      if (shown.current !== null && found.version > shown.current) setNotice(t("order.updated_live"));
      show(found);
      setError(null);
      get(`/customers/${found.customer.id}`).then(setHistory, () => setHistory(null));
    } catch (failure) {
      setError(failure instanceof ApiError && failure.status === 404 ? t("order.gone") : failure.message);
    }
  }, [orderId]);
  // Our own change: show it, and let the queue beside the card refresh now rather than at the next poll.
  function show(found) {
    if (shown.current !== null && found.version !== shown.current) emit("queue", { local: true });
    shown.current = found.version;
    setOrder(found);
  }
  useEffect(() => {
    shown.current = null;
    setOrder(null);
    setDialog(null);
    setNotice(null);
    load();
  }, [orderId]);
  // The shop changed or cancelled the order, or a supervisor moved the customer: show it now. An open
  // edit keeps the version it started from, so saving it then answers 412 and shows the difference.
  useSignal(`order:${orderId}`, load);
  // The history's lines come told in the console's language: a new language asks for them again.
  const customerId = order?.customer.id;
  useEffect(() => {
    if (customerId) get(`/customers/${customerId}`).then(setHistory, () => setHistory(null));
  }, [lang]);

  const openAttempt = order?.attempts.find((attempt) => !attempt.disposition && attempt.operator_id === me?.id);
  const timer = useCallTimer(openAttempt?.started_at);
  const loose = useObservable(unattached); // an unknown caller's call waiting for its order
  const closed = order && CLOSED.includes(order.status);
  const canAct = order && !closed && !busy;

  async function act(path, body) {
    setBusy(true);
    setNotice(null);
    try {
      const result = await post(path, body, { "Idempotency-Key": idempotencyKey() });
      finished(result);
    } catch (failure) {
      setNotice(failure.message);
    } finally {
      setBusy(false);
    }
  }

  function finished(result) {
    setDialog(null);
    if (result?.order) show(result.order);
    if (result?.order && result.order.status !== "in_call") onDone?.(result.order);
    load();
  }

  async function startCall() {
    setBusy(true);
    try {
      const result = await post(`/orders/${orderId}/call`);
      show(result.order);
      await ring(result.call);
    } catch (failure) {
      if (failure.problem?.attempt_id) {
        // notify refused or is down, but the attempt is open (the answer names it): the order is in a call
        // now, and its disposition is recorded by hand as before.
        await load();
        const known = { capability_not_configured: "softphone.unconfigured", telephony_unavailable: "softphone.unavailable" };
        setNotice(known[failure.code] ? t(known[failure.code]) : `${failure.message} ${t("softphone.failed")}`);
      } else setNotice(failure.message);
    } finally {
      setBusy(false);
    }
  }

  // The call itself goes through the softphone when Okno carries calls (result.call, docs/console.md
  // "Softphone"); without a line the attempt is open as before and the disposition is recorded by hand.
  async function ring(call) {
    // "Call my phone first": Okno is ringing the operator's phone already; the browser has no leg.
    if (call?.call?.operator_line === "phone") return void ringMyPhone(call, { to: order?.customer.phone });
    const params = call?.connect_params || {};
    if (!Object.keys(params).length) return;
    const line = phone.get().status;
    if (line === "unconfigured" || line === "unavailable") return setNotice(t(`softphone.${line}`));
    if (!(await dial(params, { to: order?.customer.phone }))) setNotice(t(phone.get().problem || "softphone.failed"));
  }

  const attempt = (disposition) => () => act(`/orders/${orderId}/attempts`, { disposition });
  // Without a call in progress a confirmation needs the channel and a reason (a paid order excepted).
  const confirm = () =>
    openAttempt || order?.status === "paid" ? act(`/orders/${orderId}/confirm`, {}) : setDialog("elsewhere");
  const open = (name) => () => setDialog(name);
  useShortcuts(
    dialog
      ? []
      : [
          { key: "s", label: t("call.start"), run: startCall, disabled: !canAct || Boolean(openAttempt) },
          { key: "c", label: t("action.confirm"), run: confirm, disabled: !canAct },
          { key: "e", label: t("action.edit"), run: open("edit"), disabled: !canAct },
          { key: "1", label: t("disposition.no_answer"), run: attempt("no_answer"), disabled: !canAct },
          { key: "2", label: t("disposition.busy"), run: attempt("busy"), disabled: !canAct },
          { key: "3", label: t("disposition.voicemail"), run: attempt("voicemail"), disabled: !canAct },
          { key: "4", label: t("disposition.wrong_number"), run: open("wrong"), disabled: !canAct },
          { key: "b", label: t("action.callback"), run: open("callback"), disabled: !canAct },
          { key: "x", label: t("action.cancel_order"), run: open("cancel"), disabled: !canAct },
          { key: "m", label: t("action.note"), run: open("note"), disabled: !order },
          { key: "t", label: t("action.timeline"), run: () => navigate(`/customers/${order.customer.id}`), disabled: !order },
        ],
  );

  if (error) return html`<section class="card empty" data-testid="order-card"><p>${error}</p></section>`;
  if (!order) return html`<section class="card loading" data-testid="order-card"><p>${t("state.loading")}</p></section>`;

  const button = (key, label, run, { primary = false, disabled = !canAct, testid } = {}) =>
    html`<button type="button" class=${primary ? "primary" : ""} disabled=${disabled} onClick=${run} data-testid=${testid}>
      ${label} <kbd>${key}</kbd>
    </button>`;

  return html`<section class="card" data-testid="order-card" data-order=${order.id} data-version=${order.version}>
    <header class="card-head">
      <h2>${t("order.title", { external: order.external_id })}</h2>
      <span class=${`status status-${order.status}`} data-testid="order-status">${t(`status.${order.status}`)}</span>
      ${order.urgent && html`<span class="badge urgent">${t("badge.urgent")}</span>`}
      ${timer && html`<span class="timer" data-testid="call-timer" title=${t("call.timer")}>☎ ${timer}</span>`}
    </header>
    ${notice && html`<p class="notice" role="status" data-testid="notice">${notice}</p>`}
    ${loose &&
    html`<p class="notice"><button type="button" data-testid="attach-call"
      onClick=${() => attachTo(order.id).then(load, (failure) => setNotice(failure.message))}>
      ${t("softphone.attach", { caller: loose.caller || "" })}</button></p>`}
    <div class="grid2">
      <section class="panel">
        <h3>${t("order.customer")}</h3>
        <p><strong data-testid="customer-name">${order.customer.name}</strong></p>
        <p><${Phone} phone=${order.customer.phone} /> ${order.customer.bad_phone && html`<span class="badge warn">${t("badge.bad_phone")}</span>`}</p>
        <p class="muted">${t("order.customer_time", { zone: order.customer.timezone, time: dateTime(new Date().toISOString(), order.customer.timezone) })}</p>
        <p><a href=${`#/customers/${order.customer.id}`}>${t("action.timeline")} <kbd>T</kbd></a></p>
      </section>
      <section class="panel">
        <h3>${t("order.delivery")}</h3>
        <p>
          ${t(`delivery.${order.delivery_method}`)}${" · "}<span data-testid="delivery-date">${day(order.delivery_date)}</span>${" · "}<span
            data-testid="delivery-slot">${order.delivery_slot || "—"}</span>
        </p>
        <p data-testid="delivery-address">${[order.delivery_postcode, order.delivery_city, order.delivery_address].filter(Boolean).join(", ")}</p>
        <h3>${t("order.payment")}</h3>
        <p>${t(`payment_method.${order.payment_method}`)}${" · "}<span class=${`status status-${order.payment_status}`}>${t(`payment.${order.payment_status}`)}</span></p>
        ${order.comment && html`<p class="comment"><strong>${t("field.comment")}:</strong> ${order.comment}</p>`}
      </section>
    </div>
    ${dialog === "edit"
      ? html`<${OrderEdit} order=${order} onCancel=${() => setDialog(null)} onSaved=${(saved) => {
          show(saved);
          setDialog(null);
          setNotice(t("edit.saved", { version: saved.version }));
          load(); // the history gains the change
        }} />`
      : html`<${Items} order=${order} />`}
    ${!closed &&
    dialog !== "edit" &&
    html`<div class="actions" data-testid="actions">
      ${openAttempt ? "" : button("S", t("call.start"), startCall, { testid: "start-call" })}
      ${button("C", t("action.confirm"), confirm, { primary: true, testid: "confirm" })}
      ${button("E", t("action.edit"), open("edit"), { testid: "edit" })}
      ${button("1", t("disposition.no_answer"), attempt("no_answer"), { testid: "no-answer" })}
      ${button("2", t("disposition.busy"), attempt("busy"))}
      ${button("3", t("disposition.voicemail"), attempt("voicemail"))}
      ${button("4", t("disposition.wrong_number"), open("wrong"))}
      ${button("B", t("action.callback"), open("callback"), { testid: "callback" })}
      ${button("X", t("action.cancel_order"), open("cancel"), { testid: "cancel-order" })}
      ${button("M", t("action.note"), open("note"), { disabled: false })}
    </div>`}
    ${closed && html`<p class="done" data-testid="closed">${t("order.closed", { status: t(`status.${order.status}`) })}</p>`}
    ${order.urgent && !closed && html`<${SameDayPanel} order=${order} />`}
    <${OrderHistory} order=${order} timeline=${history?.timeline} />
    ${dialog === "callback" && html`<${CallbackDialog} order=${order} timeZone=${order.customer.timezone} onClose=${() => setDialog(null)} onDone=${finished} />`}
    ${dialog === "elsewhere" && html`<${ConfirmElsewhereDialog} order=${order} onClose=${() => setDialog(null)} onDone=${finished} />`}
    ${dialog === "cancel" && html`<${CancelDialog} order=${order} onClose=${() => setDialog(null)} onDone=${finished} />`}
    ${dialog === "wrong" && html`<${WrongNumberDialog} order=${order} onClose=${() => setDialog(null)} onDone=${finished} />`}
    ${dialog === "note" && html`<${NoteDialog} customer=${order.customer} orderId=${order.id} onClose=${() => setDialog(null)} onDone=${() => {
      setDialog(null);
      setNotice(t("note.saved"));
      load();
    }} />`}
  </section>`;
}
