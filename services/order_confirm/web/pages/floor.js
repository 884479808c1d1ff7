// The supervisor's floor: operators with status and load, each shop's queue and oldest waiting order,
// the unassigned pool, reassigning a customer, who covers whom, and staffing against the plan. Updates live.
import { html, useCallback, useEffect, useState } from "../lib/html.js";
import { get, request } from "../lib/api.js";
import { dateTime, duration, number, relative, t, time, useLanguage } from "../lib/i18n.js";
import { useSignal } from "../lib/store.js";
import { Dialog, Field } from "../components/dialog.js";
import { ReassignDialog } from "../components/reassign.js";
import { FloorStaffing } from "../components/floor-staffing.js";

function CoverDialog({ floor, onClose, onDone }) {
  const [state, setState] = useState({ busy: false, error: null });
  async function submit(form) {
    setState({ busy: true, error: null });
    try {
      await request("PUT", "/cover-rules", {
        json: { tenant_id: Number(form.get("tenant_id")), owner_id: Number(form.get("owner_id")), cover_id: Number(form.get("cover_id")) },
      });
      onDone();
    } catch (error) {
      setState({ busy: false, error: error.message });
    }
  }
  const option = (op) => html`<option key=${op.id} value=${op.id}>${op.name}</option>`;
  return html`<${Dialog} title=${t("floor.cover_add")} submitLabel=${t("floor.cover_submit")} busy=${state.busy}
    error=${state.error} onClose=${onClose} onSubmit=${submit} testid="cover-dialog">
    <${Field} label=${t("floor.tenant")}><select name="tenant_id">${floor.tenants.map((tn) => html`<option key=${tn.id} value=${tn.id}>${tn.name}</option>`)}</select><//>
    <${Field} label=${t("floor.cover_owner")}><select name="owner_id">${floor.operators.map(option)}</select><//>
    <${Field} label=${t("floor.cover_by")}><select name="cover_id">${floor.operators.map(option)}</select><//>
  <//>`;
}

// Live calls per shop (from the telephony call facts): callers waiting and the longest wait, who is talking.
function PhonePanel({ phone, tenantName }) {
  const live = phone.filter((entry) => entry.waiting || entry.talking.length);
  return html`<section class="panel" data-testid="floor-phone">
    <h3>${t("floor.phone")}</h3>
    ${live.length === 0 && html`<p class="muted">${t("floor.phone_quiet")}</p>`}
    ${live.map(
      (entry) => html`<div key=${entry.tenant_id} data-testid="floor-phone-tenant">
        <p><strong>${tenantName(entry.tenant_id)}</strong> · <span data-testid="calls-waiting">${t("floor.phone_waiting", { count: number(entry.waiting) })}</span>
          ${entry.oldest_waiting_since && html` · <span data-testid="longest-wait">${t("floor.phone_longest", { wait: duration(entry.longest_wait_seconds) })}</span>`}</p>
        ${entry.talking.length > 0 && html`<ul>${entry.talking.map(
          (call) => html`<li key=${call.call_id} data-testid="floor-talking">${call.operator_name} · ${t(`floor.phone_${call.direction}`)}
            · ${t("floor.phone_since", { since: time(call.since) })}${call.on_hold ? html` · <span class="status op-break">${t("floor.phone_on_hold")}</span>` : ""}
            ${call.customer_id ? html` · <a href=${`#/customers/${call.customer_id}`}>#${call.customer_id}</a>` : ""}</li>`,
        )}</ul>`}
      </div>`,
    )}
  </section>`;
}

export function FloorPage() {
  useLanguage();
  const [floor, setFloor] = useState(null);
  const [error, setError] = useState(null);
  const [dialog, setDialog] = useState(null);
  const load = useCallback(() => {
    get("/floor").then(
      (body) => {
        setFloor(body);
        setError(null);
      },
      (failure) => setError(failure.message),
    );
  }, []);
  useEffect(load, []);
  useSignal("floor", load);
  if (error) return html`<p class="error" role="alert">${error}</p>`;
  if (!floor) return html`<p class="muted">${t("state.loading")}</p>`;
  const name = (id) => floor.operators.find((op) => op.id === id)?.name || `#${id}`;
  const tenantName = (id) => floor.tenants.find((tn) => tn.id === id)?.name || `#${id}`;
  const done = () => {
    setDialog(null);
    load();
  };
  return html`<div class="floor" data-testid="floor">
    <div class="floor-head">
      <h2>${t("nav.floor")}</h2>
      <button type="button" onClick=${() => setDialog("reassign")} data-testid="reassign">${t("floor.reassign")}</button>
      <button type="button" onClick=${() => setDialog("cover")}>${t("floor.cover_add")}</button>
    </div>
    <section class="panel">
      <h3>${t("floor.tenants")}</h3>
      <table>
        <thead><tr><th>${t("floor.tenant")}</th><th class="num">${t("floor.open")}</th><th class="num">${t("floor.due")}</th><th class="num">${t("floor.pool")}</th><th>${t("floor.oldest")}</th></tr></thead>
        <tbody>
          ${floor.tenants.map(
            (tn) => html`<tr key=${tn.id} data-testid="floor-tenant">
              <td>${tn.name}</td><td class="num">${number(tn.open_tasks)}</td><td class="num">${number(tn.due_tasks)}</td>
              <td class="num">${number(tn.unassigned_customers)}</td>
              <td>${tn.oldest_waiting_since ? html`${dateTime(tn.oldest_waiting_since, tn.timezone)} <small class="muted">${relative(tn.oldest_waiting_since)}</small>` : "—"}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    </section>
    <${PhonePanel} phone=${floor.phone || []} tenantName=${tenantName} />
    <${FloorStaffing} planning=${floor.planning} tenants=${floor.tenants} />
    <section class="panel">
      <h3>${t("floor.operators")}</h3>
      ${floor.operators.length === 0 && html`<p class="muted">${t("floor.no_operators")}</p>`}
      <table>
        <thead><tr><th>${t("floor.operator")}</th><th>${t("floor.status")}</th><th class="num">${t("floor.customers")}</th><th class="num">${t("floor.open")}</th><th class="num">${t("floor.due")}</th><th>${t("floor.in_call")}</th></tr></thead>
        <tbody>
          ${floor.operators.map(
            (op) => html`<tr key=${op.id} data-testid="floor-operator" data-login=${op.login}>
              <td>${op.name} <small class="muted">${op.login} · #${op.id}</small></td>
              <td><span class=${`status op-${op.status}`}>${t(`operator_status.${op.status}`)}</span> <small class="muted">${relative(op.status_changed_at)}</small></td>
              <td class="num">${number(op.active_customers)} / ${number(op.capacity)}</td>
              <td class="num" data-testid="operator-open">${number(op.open_tasks)}</td>
              <td class="num">${number(op.due_tasks)}</td>
              <td>${op.in_call_order_id ? `#${op.in_call_order_id}` : "—"}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    </section>
    <div class="grid2">
      <section class="panel">
        <h3>${t("floor.pool_title")} <span class="count">${floor.pool.length}</span></h3>
        ${floor.pool.length === 0 && html`<p class="muted">${t("floor.pool_empty")}</p>`}
        <ul>${floor.pool.map((entry) => html`<li key=${entry.customer_id}><a href=${`#/customers/${entry.customer_id}`}>#${entry.customer_id} ${entry.name}</a> · ${tenantName(entry.tenant_id)} · ${relative(entry.waiting_since)}</li>`)}</ul>
      </section>
      <section class="panel">
        <h3>${t("floor.covers")}</h3>
        ${floor.covers.length === 0 && html`<p class="muted">${t("floor.no_covers")}</p>`}
        <ul>
          ${floor.covers.map(
            (rule) => html`<li key=${rule.id}>${t("floor.covers_line", { cover: name(rule.cover_id), owner: name(rule.owner_id), tenant: tenantName(rule.tenant_id) })}
              <button type="button" class="link" onClick=${() => request("DELETE", `/cover-rules/${rule.id}`).then(load, (e) => setError(e.message))}>${t("floor.cover_remove")}</button></li>`,
          )}
        </ul>
      </section>
    </div>
    ${dialog === "reassign" && html`<${ReassignDialog} operators=${floor.operators} onClose=${() => setDialog(null)} onDone=${done} />`}
    ${dialog === "cover" && html`<${CoverDialog} floor=${floor} onClose=${() => setDialog(null)} onDone=${done} />`}
  </div>`;
}
