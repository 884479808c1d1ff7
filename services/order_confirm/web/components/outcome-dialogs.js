// The dialogs that end a call with more than one key press: callback time, cancel reason, wrong number,
// a confirmation by another channel, and a note on the customer. Each shows the API's validation messages at the field they concern.
import { html, useState } from "../lib/html.js";
import { idempotencyKey, post } from "../lib/api.js";
import { t } from "../lib/i18n.js";
import { isoToZoned, zonedToIso } from "../lib/zoned.js";
import { Dialog, Field } from "./dialog.js";

export const CANCEL_REASONS = [
  "customer_refused",
  "changed_mind",
  "found_cheaper",
  "delivery_too_late",
  "duplicate_order",
  "payment_problem",
  "did_not_order",
  "other",
];
export const WRONG_NUMBER_REASONS = ["not_in_service", "another_person", "incomplete_number", "other"];
export const CONFIRM_CHANNELS = ["sms", "email", "messenger", "shop", "payment", "other"];

// Submits once per dialog opening: the idempotency key makes a double Ctrl+Enter one attempt.
function useSubmission(onDone) {
  const [state, setState] = useState({ busy: false, error: null, fields: {} });
  const [key] = useState(idempotencyKey);
  async function submit(path, body) {
    setState({ busy: true, error: null, fields: {} });
    try {
      const result = await post(path, body, { "Idempotency-Key": key });
      onDone(result);
    } catch (error) {
      const fields = error.fieldErrors || {};
      setState({ busy: false, error: fields._ || (Object.keys(fields).length ? null : error.message), fields });
    }
  }
  return [state, submit];
}

function nextHalfHour(timeZone) {
  const soon = new Date(Date.now() + 60 * 60 * 1000);
  soon.setUTCMinutes(soon.getUTCMinutes() < 30 ? 30 : 60, 0, 0);
  return isoToZoned(soon.toISOString(), timeZone);
}

export function CallbackDialog({ order, timeZone, onClose, onDone }) {
  const [state, submit] = useSubmission(onDone);
  const [localError, setLocalError] = useState(null);
  // Controlled: the card re-renders every second (the call timer) and must not reset what was typed.
  const [when, setWhen] = useState(() => nextHalfHour(timeZone));
  return html`<${Dialog} title=${t("callback.title")} submitLabel=${t("callback.submit")} busy=${state.busy}
    error=${state.error} onClose=${onClose} testid="callback-dialog"
    onSubmit=${(form) => {
      const callbackAt = zonedToIso(form.get("callback_at"), timeZone);
      if (!callbackAt) return setLocalError(t("callback.pick"));
      setLocalError(null);
      submit(`/orders/${order.id}/attempts`, {
        disposition: "callback_requested",
        callback_at: callbackAt,
        comment: form.get("comment") || null,
      });
    }}>
    <${Field} label=${t("callback.when", { zone: timeZone })} error=${localError || state.fields.callback_at}>
      <input type="datetime-local" name="callback_at" required value=${when} onInput=${(e) => setWhen(e.target.value)}
        data-testid="callback-at" />
    <//>
    <${Field} label=${t("field.comment")} error=${state.fields.comment}>
      <textarea name="comment" rows="2" maxlength="4000"></textarea>
    <//>
  <//>`;
}

function ReasonDialog({ title, submitLabel, reasons, prefix, path, body, onClose, onDone, testid }) {
  const [state, submit] = useSubmission(onDone);
  return html`<${Dialog} title=${title} submitLabel=${submitLabel} busy=${state.busy} error=${state.error}
    onClose=${onClose} testid=${testid}
    onSubmit=${(form) => submit(path, { ...body, reason_code: form.get("reason_code"), comment: form.get("comment") || null })}>
    <${Field} label=${t("field.reason")} error=${state.fields.reason_code}>
      <select name="reason_code" required>
        ${reasons.map((code) => html`<option key=${code} value=${code}>${t(`${prefix}.${code}`)}</option>`)}
      </select>
    <//>
    <${Field} label=${t("field.comment")} error=${state.fields.comment}>
      <textarea name="comment" rows="2" maxlength="4000"></textarea>
    <//>
  <//>`;
}

export function CancelDialog({ order, onClose, onDone }) {
  return html`<${ReasonDialog} title=${t("cancel.title", { order: order.external_id })} submitLabel=${t("cancel.submit")}
    reasons=${CANCEL_REASONS} prefix="cancel_reason" path=${`/orders/${order.id}/cancel`} body=${{}}
    onClose=${onClose} onDone=${onDone} testid="cancel-dialog" />`;
}

export function WrongNumberDialog({ order, onClose, onDone }) {
  return html`<${ReasonDialog} title=${t("wrong_number.title")} submitLabel=${t("wrong_number.submit")}
    reasons=${WRONG_NUMBER_REASONS} prefix="wrong_number_reason" path=${`/orders/${order.id}/attempts`}
    body=${{ disposition: "wrong_number" }} onClose=${onClose} onDone=${onDone} testid="wrong-number-dialog" />`;
}

// Confirm pressed with no call in progress: the API wants the channel and what the customer said.
export function ConfirmElsewhereDialog({ order, onClose, onDone }) {
  const [state, submit] = useSubmission(onDone);
  return html`<${Dialog} title=${t("elsewhere.title")} submitLabel=${t("elsewhere.submit")} busy=${state.busy}
    error=${state.error} onClose=${onClose} testid="elsewhere-dialog"
    onSubmit=${(form) =>
      submit(`/orders/${order.id}/confirm`, {
        channel: form.get("channel"),
        reason: form.get("reason"),
        comment: form.get("comment") || null,
      })}>
    <p class="muted">${t("elsewhere.hint")}</p>
    <${Field} label=${t("elsewhere.channel")} error=${state.fields.channel}>
      <select name="channel" required data-testid="elsewhere-channel">
        ${CONFIRM_CHANNELS.map((code) => html`<option key=${code} value=${code}>${t(`channel.${code}`)}</option>`)}
      </select>
    <//>
    <${Field} label=${t("elsewhere.reason")} error=${state.fields.reason}>
      <textarea name="reason" rows="2" required minlength="3" maxlength="500" data-testid="elsewhere-reason"></textarea>
    <//>
    <${Field} label=${t("field.comment")} error=${state.fields.comment}>
      <textarea name="comment" rows="2" maxlength="4000"></textarea>
    <//>
  <//>`;
}

export function NoteDialog({ customer, orderId, onClose, onDone }) {
  const [state, submit] = useSubmission(onDone);
  return html`<${Dialog} title=${t("note.title", { customer: customer.name })} submitLabel=${t("note.submit")}
    busy=${state.busy} error=${state.error} onClose=${onClose} testid="note-dialog"
    onSubmit=${(form) => submit(`/customers/${customer.id}/notes`, { text: form.get("text"), order_id: orderId ?? null })}>
    <${Field} label=${t("note.text")} error=${state.fields.text}>
      <textarea name="text" rows="4" required maxlength="4000"></textarea>
    <//>
  <//>`;
}
