// The same-day panel of an urgent order: today's courier slots, the payment link and its live status.
import { html, useCallback, useEffect, useState } from "../lib/html.js";
import { get, idempotencyKey, post } from "../lib/api.js";
import { dateTime, money, t, time } from "../lib/i18n.js";
import { useSignal } from "../lib/store.js";

export function SameDayPanel({ order }) {
  const [answer, setAnswer] = useState(null);
  const [link, setLink] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  const loadLink = useCallback(() => {
    // The list is empty until a link exists, so asking never produces an error in the browser console.
    get(`/orders/${order.id}/payment-links`).then((links) => setLink(links[0] ?? null), (e) => setError(e.message));
  }, [order.id]);
  useEffect(() => {
    get(`/orders/${order.id}/same-day`).then(setAnswer, (e) => setError(e.message));
    loadLink();
  }, [order.id]);
  useSignal(`order:${order.id}`, loadLink);

  async function ask(body) {
    setBusy(true);
    setError(null);
    try {
      setLink(await post(`/orders/${order.id}/payment-link`, body, { "Idempotency-Key": idempotencyKey() }));
    } catch (e) {
      setError(e.message);
    } finally {
      setBusy(false);
    }
  }

  return html`<section class="panel same-day" data-testid="same-day">
    <h3>${t("same_day.title")}</h3>
    ${!answer && !error && html`<p class="muted">${t("state.loading")}</p>`}
    ${answer && !answer.eligible && html`<p class="muted">${t(`same_day.reason.${answer.reason}`)} ${answer.detail || ""}</p>`}
    ${answer?.eligible &&
    html`<ul class="slots">
      ${answer.slots.map(
        (slot) => html`<li key=${slot.slot_id}>
          ${time(slot.starts_at)}–${time(slot.ends_at)} · ${money(slot.price, slot.currency)}
          ${slot.remaining !== null && slot.remaining !== undefined ? html` · ${t("same_day.remaining", { n: slot.remaining })}` : ""}
          <button type="button" disabled=${busy || link?.status === "paid"} onClick=${() => ask({ slot_id: slot.slot_id })}>
            ${t("same_day.send_link")}
          </button>
        </li>`,
      )}
    </ul>`}
    ${link &&
    html`<p data-testid="payment-link">
      ${t("same_day.link")}: <strong class=${`status status-${link.status}`}>${t(`link_status.${link.status}`)}</strong>
      · ${money(link.amount, link.currency)} · ${t("same_day.expires", { at: dateTime(link.expires_at) })}
      ${link.sms_status ? html` · SMS: ${link.sms_status}` : ""}
      ${link.status !== "paid" &&
      html` <button type="button" disabled=${busy} onClick=${() => ask({ resend_sms: true, slot_id: link.slot?.slot_id ?? null })}>
        ${t("same_day.resend")}
      </button>`}
    </p>`}
    ${error && html`<p class="error" role="alert">${error}</p>`}
  </section>`;
}
