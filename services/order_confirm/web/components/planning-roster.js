// Shift templates and roster proposals (…/templates, …/rosters): a planner adds the kinds of shift the shop
// works, asks the optimizer for a roster over the stored plan, reads it and accepts it (open shifts).
// The shop's manager sees the same, without the buttons.
import { html, useEffect, useState } from "../lib/html.js";
import { ApiError, get, post, request } from "../lib/api.js";
import { dateTime, day, number, t, useLanguage } from "../lib/i18n.js";
import { Field } from "./dialog.js";

const INTERVAL_MINUTES = 30;
const clock = (index) => `${String(Math.floor((index * INTERVAL_MINUTES) / 60)).padStart(2, "0")}:${index % 2 ? "30" : "00"}`;

function TemplateForm({ base, onSaved }) {
  const [state, setState] = useState({ busy: false, errors: {}, error: null });
  async function submit(event) {
    event.preventDefault();
    const form = new FormData(event.target);
    const optional = (name) => (form.get(name) === "" ? null : Number(form.get(name)));
    const body = {
      name: form.get("name"),
      starts: String(form.get("starts")).split(",").map((s) => s.trim()).filter(Boolean),
      length_minutes: Number(form.get("length_minutes")),
      break_after_minutes: optional("break_after_minutes"),
      break_minutes: optional("break_minutes") ?? 0,
    };
    setState({ busy: true, errors: {}, error: null });
    try {
      await post(`${base}/templates`, body);
      event.target.reset();
      setState({ busy: false, errors: {}, error: null });
      onSaved();
    } catch (error) {
      setState({ busy: false, errors: error instanceof ApiError ? error.fieldErrors : {}, error: error.message });
    }
  }
  return html`<form class="inline-form" onSubmit=${submit} data-testid="template-form">
    <${Field} label=${t("templates.name")} error=${state.errors.name}><input name="name" required maxlength="100" /><//>
    <${Field} label=${t("templates.starts")} error=${state.errors.starts}><input name="starts" required placeholder="08:00, 09:00" /><//>
    <${Field} label=${t("templates.length")} error=${state.errors.length_minutes}><input type="number" name="length_minutes" min="30" max="960" step="30" defaultValue="480" required /><//>
    <${Field} label=${t("templates.break_after")} error=${state.errors.break_after_minutes}><input type="number" name="break_after_minutes" min="30" max="960" step="30" /><//>
    <${Field} label=${t("templates.break_minutes")} error=${state.errors.break_minutes}><input type="number" name="break_minutes" min="0" max="240" step="30" /><//>
    <button type="submit" disabled=${state.busy}>${t("templates.add")}</button>
    ${state.error && html`<p class="error" role="alert">${state.error}</p>`}
  </form>`;
}

function Templates({ base, templates, canPlan, onChanged }) {
  return html`<div data-testid="templates">
    <h4>${t("templates.title")}</h4>
    ${templates.length === 0 && html`<p class="muted">${t("templates.none")}</p>`}
    <ul>${templates.map(
      (tpl) => html`<li key=${tpl.id} data-testid="template"><strong>${tpl.name}</strong> ·
        ${t("templates.line", { starts: tpl.starts.join(", "), hours: tpl.length_minutes / 60 })}
        ${tpl.break_minutes > 0 && html` · ${t("templates.break_line", { minutes: tpl.break_minutes, after: tpl.break_after_minutes })}`}</li>`,
    )}</ul>
    ${canPlan && html`<${TemplateForm} base=${base} onSaved=${onChanged} />`}
  </div>`;
}

function ProposalDetail({ roster, templates }) {
  const name = (id) => templates.find((tpl) => tpl.id === id)?.name || `#${id}`;
  return html`<div class="roster-detail" data-testid="roster-detail">
    <table>
      <thead><tr><th>${t("planning.day")}</th><th>${t("roster.template")}</th><th>${t("roster.start")}</th><th class="num">${t("roster.operators")}</th></tr></thead>
      <tbody>${roster.starts.map(
        (start, i) => html`<tr key=${i} data-testid="roster-start"><td>${day(start.day)}</td><td>${name(start.template_id)}</td>
          <td>${start.start}</td><td class="num">${number(start.operators)}</td></tr>`,
      )}</tbody>
    </table>
    ${roster.uncovered.length > 0 && html`<ul class="error">${roster.uncovered.map(
      (gap, i) => html`<li key=${i}>${t("roster.uncovered_line", { day: day(gap.day), time: clock(gap.interval), count: gap.operators })}</li>`,
    )}</ul>`}
  </div>`;
}

function ProposalRow({ roster, open, onToggle, onAccept, canPlan }) {
  const last = new Date(`${roster.first_day}T00:00:00Z`);
  last.setUTCDate(last.getUTCDate() + roster.days - 1);
  return html`<tr data-testid="roster" data-status=${roster.status}>
    <td>${dateTime(roster.created_at)}</td>
    <td>${day(roster.first_day)} – ${day(last.toISOString().slice(0, 10))}</td>
    <td class="num" data-key="shifts">${number(roster.shifts)}</td>
    <td class="num" data-key="over_staffing">${number(roster.over_staffing)}</td>
    <td class="num" data-key="uncovered">${number(roster.uncovered.length)}</td>
    <td>${t(`roster.status.${roster.status}`)}</td>
    <td><button type="button" class="link" onClick=${onToggle}>${open ? t("roster.hide") : t("roster.show")}</button>
      ${canPlan && roster.status === "proposed" && html`<button type="button" onClick=${onAccept} data-testid="roster-accept">${t("roster.accept")}</button>`}</td>
  </tr>`;
}

function ProposeForm({ busy, defaultDay, onPropose }) {
  return html`<form class="inline-form" data-testid="roster-form" onSubmit=${(event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    onPropose({ first_day: form.get("first_day"), days: Number(form.get("days")) });
  }}>
    <${Field} label=${t("roster.first_day")}><input type="date" name="first_day" value=${defaultDay} required data-testid="roster-first-day" /><//>
    <${Field} label=${t("roster.days")}><input type="number" name="days" min="1" max="28" defaultValue="7" required data-testid="roster-days" /><//>
    <button type="submit" class="primary" disabled=${busy} data-testid="roster-propose">${busy ? t("roster.proposing") : t("roster.propose")}</button>
  </form>`;
}

export function Roster({ base, canPlan, defaultDay, onAccepted }) {
  useLanguage();
  const [data, setData] = useState({ templates: [], rosters: [] });
  const [state, setState] = useState({ busy: false, error: null, notice: null, open: null });
  const load = () =>
    Promise.all([get(`${base}/templates`), get(`${base}/rosters`)]).then(
      ([templates, rosters]) => setData({ templates, rosters }),
      (error) => setState((s) => ({ ...s, error: error.message })),
    );
  useEffect(() => {
    setState({ busy: false, error: null, notice: null, open: null });
    load();
  }, [base]);
  const act = async (work, notice) => {
    setState((s) => ({ ...s, busy: true, error: null, notice: null }));
    try {
      const result = await work();
      await load();
      setState((s) => ({ ...s, busy: false, notice: notice(result), open: result.id ?? s.open }));
    } catch (error) {
      setState((s) => ({ ...s, busy: false, error: error.message }));
    }
  };
  const propose = (body) => act(() => post(`${base}/rosters`, body), () => null);
  const accept = (roster) =>
    act(
      () => post(`${base}/rosters/${roster.id}/accept`).then((result) => (onAccepted(), result)),
      (result) => t("roster.accepted", { count: result.shifts.length }),
    );
  const toggle = (id) => setState((s) => ({ ...s, open: s.open === id ? null : id }));
  const shown = data.rosters.find((r) => r.id === state.open);
  return html`<section class="panel" data-testid="roster-panel">
    <h3>${t("roster.title")}</h3>
    <p class="muted hint">${t("roster.hint")}</p>
    <${Templates} base=${base} templates=${data.templates} canPlan=${canPlan} onChanged=${load} />
    ${canPlan && html`<${ProposeForm} busy=${state.busy} defaultDay=${defaultDay} onPropose=${propose} />`}
    ${state.error && html`<p class="error" role="alert" data-testid="roster-error">${state.error}</p>`}
    ${state.notice && html`<p class="notice" data-testid="roster-notice">${state.notice}</p>`}
    ${data.rosters.length === 0 ? html`<p class="muted">${t("roster.none")}</p>` : html`<table class="report-table">
      <thead><tr><th>${t("roster.created")}</th><th>${t("roster.period")}</th><th class="num">${t("roster.shifts")}</th>
        <th class="num">${t("roster.over_staffing")}</th><th class="num">${t("roster.uncovered")}</th><th>${t("roster.status")}</th><th></th></tr></thead>
      <tbody>${data.rosters.map(
        (roster) => html`<${ProposalRow} key=${roster.id} roster=${roster} open=${state.open === roster.id} canPlan=${canPlan}
          onToggle=${() => toggle(roster.id)} onAccept=${() => accept(roster)} />`,
      )}</tbody>
    </table>`}
    ${shown && html`<${ProposalDetail} roster=${shown} templates=${data.templates} />`}
  </section>`;
}
