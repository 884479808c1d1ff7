// The planning page (supervisors and admins plan; the shop's manager reads and enters overrides): the stored
// plan of a shop from GET /api/v1/planning/tenants/{id}/plan — forecast vs actual, required vs planned, the
// backtest error, the targets and measures — its CSV/XLSX export, overrides and roster proposals.
import { html, useEffect, useState } from "../lib/html.js";
import { get, post } from "../lib/api.js";
import { dateTime, has, t, useLanguage } from "../lib/i18n.js";
import { download } from "../lib/download.js";
import { figure, percent, searchParams } from "../lib/report-format.js";
import { useStylesheet } from "../lib/stylesheet.js";
import { useLatestOnly } from "../lib/latest.js";
import { isoToZoned } from "../lib/zoned.js";
import { PlanCharts } from "../components/planning-charts.js";
import { Backtest } from "../components/planning-backtest.js";
import { Overrides } from "../components/planning-overrides.js";
import { Roster } from "../components/planning-roster.js";
import { Shifts } from "../components/planning-shifts.js";

const DAY_CHOICES = [1, 7, 14];
const POLL_MS = 3000; // while a computation is queued or running

// Today and next Monday in the shop's timezone (the plan's days are the shop's local days).
const shopToday = (tz) => isoToZoned(new Date().toISOString(), tz).slice(0, 10);

function nextMonday(today) {
  const date = new Date(`${today}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + ((8 - date.getUTCDay()) % 7 || 7));
  return date.toISOString().slice(0, 10);
}

function usePlan(tenant, period) {
  const [state, setState] = useState({ data: null, error: null });
  const [tick, setTick] = useState(0);
  const latestOnly = useLatestOnly();
  useEffect(() => {
    if (!tenant) return undefined;
    latestOnly(get(`/planning/tenants/${tenant.id}/plan?${searchParams(period)}`)).then(
      (data) => setState({ data, error: null }),
      (error) => setState({ data: null, error: error.message }),
    );
    return undefined;
  }, [tenant?.id, period.from, period.days, tick]);
  const pending = ["queued", "running"].includes(state.data?.run?.status);
  useEffect(() => {
    if (!pending) return undefined;
    const timer = setTimeout(() => setTick((n) => n + 1), POLL_MS);
    return () => clearTimeout(timer);
  }, [pending, tick]);
  return [state, () => setTick((n) => n + 1)];
}

function RunStatus({ run, plan, tz }) {
  if (!run) return html`<p class="notice" data-testid="plan-status" data-status="none">${t("planning.none_yet")}</p>`;
  const when = { queued: run.requested_at, running: run.started_at, ready: run.finished_at, failed: run.finished_at }[run.status];
  const text = t(`planning.run.${run.status}`, { time: dateTime(when, tz), error: run.error || "" });
  const ready = plan && run.status !== "ready" ? ` ${t("planning.run.ready", { time: dateTime(plan.finished_at, tz) })}` : "";
  return html`<p class=${run.status === "failed" ? "error" : run.status === "ready" ? "muted" : "notice"} data-testid="plan-status"
    data-status=${run.status}>${text}${ready}</p>`;
}

function Assumptions({ plan }) {
  const goals = plan.targets;
  const measures = plan.measures;
  const notes = plan.notes.map((note) => (has(`planning.note.${note}`) ? t(`planning.note.${note}`) : note));
  return html`<div class="plan-assumptions" data-testid="plan-assumptions">
    <p class="muted">${t("planning.targets", {
      first_call: percent(goals.first_call_share),
      minutes: goals.first_call_within_minutes,
      inbound: percent(goals.inbound_share),
      seconds: goals.inbound_within_seconds,
      shrinkage: percent(goals.shrinkage),
      occupancy: percent(goals.max_occupancy),
    })}</p>
    <p class="muted">${t("planning.measures", { attempts: figure(measures.attempts_per_order, "number"), aht: figure(measures.outbound_aht_seconds, "seconds") })}</p>
    ${notes.map((note) => html`<p class="notice" key=${note}>${note}</p>`)}
  </div>`;
}

function Toolbar({ tenants, tenant, onTenant, period, onPeriod, canPlan, onRecompute, onExport }) {
  return html`<form class="report-filters" onSubmit=${(e) => e.preventDefault()}>
    ${tenants.length > 1 && html`<label>${t("planning.tenant")}
      <select value=${tenant.id} onChange=${(e) => onTenant(Number(e.target.value))} data-testid="plan-tenant">
        ${tenants.map((tn) => html`<option key=${tn.id} value=${tn.id}>${tn.name}</option>`)}
      </select></label>`}
    <label>${t("planning.from")} <input type="date" value=${period.from} required data-testid="plan-from"
      onChange=${(e) => e.target.value && onPeriod({ ...period, from: e.target.value })} /></label>
    <label>${t("planning.days")}
      <select value=${period.days} onChange=${(e) => onPeriod({ ...period, days: Number(e.target.value) })} data-testid="plan-days-choice">
        ${DAY_CHOICES.map((n) => html`<option key=${n} value=${n}>${n}</option>`)}
      </select></label>
    ${canPlan && html`<button type="button" onClick=${onRecompute} data-testid="plan-recompute">${t("planning.recompute")}</button>`}
    <span class="muted">${t("planning.export")}</span>
    <button type="button" onClick=${() => onExport("csv")} data-testid="plan-export-csv">CSV</button>
    <button type="button" onClick=${() => onExport("xlsx")} data-testid="plan-export-xlsx">XLSX</button>
  </form>`;
}

function PlanBody({ tenant, data, today, reload }) {
  const base = `/planning/tenants/${tenant.id}`;
  const [accepted, setAccepted] = useState(0); // a roster accepted: the shift list shows its open shifts
  return html`
    <${RunStatus} run=${data.run} plan=${data.plan} tz=${tenant.timezone} />
    ${!data.inbound.available && html`<p class="notice" data-testid="no-inbound">${t("planning.no_inbound")}</p>`}
    ${data.plan && html`<${Assumptions} plan=${data.plan} />`}
    <${PlanCharts} intervals=${data.intervals} />
    ${data.plan && html`<${Backtest} plan=${data.plan} />`}
    <div class="plan-columns">
      <${Overrides} base=${base} today=${today} canWrite=${tenant.can_override} onChanged=${reload} />
      <${Roster} base=${base} canPlan=${tenant.can_plan} defaultDay=${nextMonday(today)} onAccepted=${() => setAccepted((n) => n + 1)} />
    </div>
    ${tenant.can_plan && html`<${Shifts} key=${base} base=${base} tz=${tenant.timezone} firstDay=${nextMonday(today)} version=${accepted}
      onChanged=${reload} />`}`;
}

export function PlanningPage() {
  useLanguage();
  useStylesheet("reports.css");
  useStylesheet("planning.css");
  const [tenants, setTenants] = useState(null);
  const [tenantId, setTenantId] = useState(null);
  const [chosen, setPeriod] = useState({ from: null, days: 7 });
  const [notice, setNotice] = useState(null);
  useEffect(() => {
    get("/planning/tenants").then(
      (list) => {
        setTenants(list);
        setTenantId(list[0]?.id ?? null);
      },
      (error) => setNotice(error.message),
    );
  }, []);
  const tenant = tenants?.find((tn) => tn.id === tenantId) || null;
  const today = tenant ? shopToday(tenant.timezone) : null;
  const period = { from: chosen.from || today, days: chosen.days };
  const [{ data, error }, reload] = usePlan(tenant, period);
  if (tenants === null) return html`<p class="muted">${notice || t("state.loading")}</p>`;
  if (!tenant) return html`<p class="empty">${t("planning.no_tenants")}</p>`;
  const recompute = () => post(`/planning/tenants/${tenant.id}/plan/recompute`).then(reload, (failure) => setNotice(failure.message));
  const exportAs = (format) =>
    download(`/planning/tenants/${tenant.id}/plan/export?${searchParams({ ...period, format })}`, `okno-plan-${tenant.slug}-${period.from}.${format}`).catch(
      (failure) => setNotice(failure.message),
    );
  return html`<div class="reports planning" data-testid="planning">
    <div class="reports-head"><h2>${t("nav.planning")}</h2>
      <${Toolbar} tenants=${tenants} tenant=${tenant} onTenant=${setTenantId} period=${period} onPeriod=${setPeriod}
        canPlan=${tenant.can_plan} onRecompute=${recompute} onExport=${exportAs} /></div>
    ${!tenant.can_plan && html`<p class="muted hint" data-testid="plan-read-only">${t("planning.read_only")}</p>`}
    ${(error || notice) && html`<p class="error" role="alert" data-testid="plan-error">${error || notice}</p>`}
    ${data && html`<${PlanBody} tenant=${tenant} data=${data} today=${today} reload=${reload} />`}
  </div>`;
}
