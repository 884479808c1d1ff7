// Moving a customer (and their open tasks) to another operator: POST /api/v1/customers/{id}/owner.
import { html, useState } from "../lib/html.js";
import { request } from "../lib/api.js";
import { t } from "../lib/i18n.js";
import { Dialog, Field } from "./dialog.js";

export function ReassignDialog({ operators, customerId, onClose, onDone }) {
  const [state, setState] = useState({ busy: false, error: null, fields: {} });
  const candidates = operators.filter((op) => op.role === "operator" || op.role === "supervisor");
  async function submit(form) {
    setState({ busy: true, error: null, fields: {} });
    try {
      const id = customerId ?? Number(form.get("customer_id"));
      await request("POST", `/customers/${id}/owner`, {
        json: { operator_id: Number(form.get("operator_id")), reason: form.get("reason") },
      });
      onDone();
    } catch (error) {
      const fields = error.fieldErrors || {};
      setState({ busy: false, error: Object.keys(fields).length ? null : error.message, fields });
    }
  }
  return html`<${Dialog} title=${t("floor.reassign")} submitLabel=${t("floor.reassign_submit")} busy=${state.busy}
    error=${state.error} onClose=${onClose} onSubmit=${submit} testid="reassign-dialog">
    ${customerId === undefined &&
    html`<${Field} label=${t("floor.customer_id")} error=${state.fields.customer_id}>
      <input name="customer_id" type="number" min="1" required data-testid="reassign-customer" />
    <//>`}
    <${Field} label=${t("floor.new_owner")} error=${state.fields.operator_id}>
      <select name="operator_id" required data-testid="reassign-operator">
        ${candidates.map((op) => html`<option key=${op.id} value=${op.id}>${op.name} (${op.login})</option>`)}
      </select>
    <//>
    <${Field} label=${t("field.reason")} error=${state.fields.reason}>
      <input name="reason" minlength="3" maxlength="500" required data-testid="reassign-reason" />
    <//>
  <//>`;
}
