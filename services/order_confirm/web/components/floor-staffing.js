// The floor's staffing block (GET /api/v1/floor `planning`): for each shop, operators required by the plan,
// planned on shifts and present now, for the current half hour and the next two — red where short, and an
// alert when the next hour is short by more than the shop's threshold.
import { html } from "../lib/html.js";
import { number, t, time, useLanguage } from "../lib/i18n.js";

function GapRows({ gap, name, timezone }) {
  return gap.intervals.map(
    (slot, i) => html`<tr key=${slot.starts_at} class=${slot.short ? "short" : ""} data-testid="floor-gap"
      data-tenant=${gap.tenant_id} data-short=${slot.short}>
      ${i === 0 && html`<td rowspan=${gap.intervals.length}>${name}</td>`}
      <td>${time(slot.starts_at, timezone)}</td>
      <td class="num">${slot.required === null ? "—" : number(slot.required)}</td>
      <td class="num">${number(slot.planned)}</td>
      <td class="num">${slot.present === null ? "" : number(slot.present)}</td>
      <td>${slot.short ? t("floor.short_by", { count: slot.short }) : ""}</td>
    </tr>`,
  );
}

export function FloorStaffing({ planning, tenants }) {
  useLanguage();
  if (!planning || planning.length === 0) return null;
  const tenantOf = (id) => tenants.find((tn) => tn.id === id) || { name: `#${id}` };
  return html`<section class="panel floor-staffing" data-testid="floor-planning">
    <h3>${t("floor.planning")}</h3>
    ${planning.filter((gap) => gap.alert).map(
      (gap) => html`<p class="error" role="alert" key=${gap.tenant_id} data-testid="floor-plan-alert">
        ${tenantOf(gap.tenant_id).name}: ${t("floor.plan_alert", { count: gap.next_hour_short })}</p>`,
    )}
    <table>
      <thead><tr><th>${t("floor.tenant")}</th><th>${t("floor.plan_interval")}</th><th class="num">${t("floor.required")}</th>
        <th class="num">${t("floor.planned")}</th><th class="num">${t("floor.present")}</th><th></th></tr></thead>
      <tbody>${planning.map((gap) => html`<${GapRows} key=${gap.tenant_id} gap=${gap} name=${tenantOf(gap.tenant_id).name}
        timezone=${tenantOf(gap.tenant_id).timezone} />`)}</tbody>
    </table>
  </section>`;
}
