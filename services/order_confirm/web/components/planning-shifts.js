// A week of planned shifts (GET …/shifts) and who works them: a planner assigns an operator of their team
// (GET /api/v1/floor lists them) to an open shift of an accepted roster, or changes or clears the assignment
// (PUT …/shifts/{id}, same times). An overlap with the operator's other shifts is refused and said here.
import { html, useEffect, useState } from "../lib/html.js";
import { get, request } from "../lib/api.js";
import { dateTime, t, time, useLanguage } from "../lib/i18n.js";
import { Field } from "./dialog.js";

function ShiftRow({ shift, operators, tz, onAssign }) {
  const choose = (event) => onAssign(shift, event.target.value ? Number(event.target.value) : null);
  return html`<tr data-testid="shift" data-id=${shift.id} data-operator=${shift.operator_id ?? ""} class=${shift.operator_id ? "" : "open"}>
    <td>${dateTime(shift.starts_at, tz)} – ${time(shift.ends_at, tz)}</td>
    <td>${shift.break_starts_at ? `${time(shift.break_starts_at, tz)} – ${time(shift.break_ends_at, tz)}` : "—"}</td>
    <td>${t(`shift_source.${shift.source}`)}</td>
    <td><select value=${shift.operator_id ?? ""} onChange=${choose} aria-label=${t("shifts.operator")} data-testid="shift-operator">
      <option value="">${t("shifts.open")}</option>
      ${operators.map((op) => html`<option key=${op.id} value=${op.id}>${op.name}</option>`)}
    </select></td>
  </tr>`;
}

export function Shifts({ base, tz, firstDay, version, onChanged }) {
  useLanguage();
  const [from, setFrom] = useState(firstDay);
  const [shifts, setShifts] = useState(null);
  const [operators, setOperators] = useState([]);
  const [error, setError] = useState(null);
  const load = () => get(`${base}/shifts?from=${from}&days=7`).then(setShifts, (failure) => setError(failure.message));
  useEffect(() => {
    load();
  }, [base, from, version]);
  useEffect(() => {
    get("/floor").then((floor) => setOperators(floor.operators), () => setOperators([]));
  }, []);
  const assign = (shift, operatorId) => {
    const times = { starts_at: shift.starts_at, ends_at: shift.ends_at, break_starts_at: shift.break_starts_at, break_ends_at: shift.break_ends_at };
    request("PUT", `${base}/shifts/${shift.id}`, { json: { ...times, operator_id: operatorId } }).then(
      () => {
        setError(null);
        load();
        onChanged();
      },
      (failure) => {
        setError(failure.message);
        load();
      },
    );
  };
  const open = (shifts || []).filter((shift) => !shift.operator_id).length;
  return html`<section class="panel" data-testid="shifts">
    <h3>${t("shifts.title")}</h3>
    <div class="inline-form">
      <${Field} label=${t("shifts.week_from")}><input type="date" value=${from} required data-testid="shifts-from"
        onChange=${(e) => e.target.value && setFrom(e.target.value)} /><//>
      ${shifts && html`<p class="muted" data-testid="shifts-count">${t("shifts.count", { count: shifts.length, open })}</p>`}
    </div>
    ${error && html`<p class="error" role="alert" data-testid="shifts-error">${error}</p>`}
    ${shifts && shifts.length === 0 && html`<p class="muted">${t("shifts.none")}</p>`}
    ${shifts && shifts.length > 0 && html`<div class="shift-list"><table>
      <thead><tr><th>${t("shifts.when")}</th><th>${t("shifts.break")}</th><th>${t("shifts.source")}</th><th>${t("shifts.operator")}</th></tr></thead>
      <tbody>${shifts.map((shift) => html`<${ShiftRow} key=${shift.id} shift=${shift} operators=${operators} tz=${tz} onAssign=${assign} />`)}</tbody>
    </table></div>`}
  </section>`;
}
