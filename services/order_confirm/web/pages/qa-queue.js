// The QA work queue of a week (GET /api/v1/qa/tenants/{id}/queue): the sample plan per operator and every
// conversation to hear with the reasons it is there; Enter or a click opens the evaluation form.
import { html, useEffect, useState } from "../lib/html.js";
import { get } from "../lib/api.js";
import { dateTime, duration, t, useLanguage } from "../lib/i18n.js";
import { useShortcuts } from "../lib/keys.js";
import { navigate } from "../lib/router.js";
import { searchParams } from "../lib/report-format.js";
import { useStylesheet } from "../lib/stylesheet.js";
import { qaPath, useQaTenant } from "../lib/qa-tenant.js";

function Reasons({ reasons }) {
  return reasons.map((r) => html`<span key=${r.kind} class=${`badge reason-${r.kind}`}>${t(`qa.reason.${r.kind}`)}</span> `);
}

export function QaQueuePage({ me }) {
  useLanguage();
  useStylesheet("reports.css");
  const tenant = useQaTenant();
  const [week, setWeek] = useState("");
  const [state, setState] = useState({ queue: null, error: null });
  const [cursor, setCursor] = useState(0);
  useEffect(() => {
    if (!tenant) return;
    get(qaPath(tenant, `/queue?${searchParams({ week })}`)).then(
      (queue) => setState({ queue, error: null }),
      (error) => setState({ queue: null, error: error.message }),
    );
  }, [tenant, week]);
  const items = state.queue?.items ?? [];
  // Supervisors read their team's queue; the quality department evaluates.
  const evaluates = me.operator.role === "qa";
  const open = (item) => evaluates && item && navigate(`/qa/evaluate/${item.attempt_id}`);
  useShortcuts([
    { key: "ArrowDown", label: t("qa.next_criterion"), run: () => setCursor((c) => Math.min(c + 1, items.length - 1)) },
    { key: "ArrowUp", label: t("qa.previous_criterion"), run: () => setCursor((c) => Math.max(c - 1, 0)) },
    evaluates && { key: "Enter", label: t("qa.evaluate"), run: () => open(items[cursor]) },
  ]);
  return html`<div class="reports" data-testid="qa-queue">
    <h2>${t("nav.qa")} ${state.queue && html`<span class="muted">${state.queue.label}</span>`}</h2>
    <form class="report-filters" onSubmit=${(e) => e.preventDefault()}>
      <label>${t("qa.week")} <input type="date" value=${week || state.queue?.week || ""} data-testid="qa-week"
        onChange=${(e) => setWeek(e.target.value)} /></label>
    </form>
    ${state.error && html`<p class="error" role="alert">${state.error}</p>`}
    ${state.queue && html`<h3>${t("qa.plan")}</h3>
      <table data-testid="qa-plan"><thead><tr><th>${t("qa.operator")}</th><th class="num">${t("qa.planned")}</th>
        <th class="num">${t("qa.sample_evaluated")}</th><th class="num">${t("qa.flagged")}</th></tr></thead>
        <tbody>${state.queue.plan.map((row) => html`<tr key=${row.operator.id}><td>${row.operator.name}</td>
          <td class="num">${row.planned}</td><td class="num">${row.sample_evaluated}</td><td class="num">${row.flagged}</td></tr>`)}</tbody>
      </table>`}
    ${state.queue && !items.length && html`<p class="empty">${t("qa.empty")}</p>`}
    ${items.length > 0 && html`<table>
      <thead><tr><th>${t("qa.call")}</th><th>${t("qa.operator")}</th><th>${t("qa.outcome")}</th><th class="num">${t("qa.talk")}</th>
        <th>${t("qa.why")}</th><th>${t("qa.state")}</th></tr></thead>
      <tbody>${items.map((item, n) => html`<tr key=${item.attempt_id} data-testid="qa-item" data-attempt=${item.attempt_id}
          class=${n === cursor ? "selected" : ""} onClick=${() => open(item)}>
        <td>${dateTime(item.started_at)}</td><td>${item.operator.name}</td><td>${t(`disposition.${item.outcome}`)}</td>
        <td class="num">${item.talk_seconds == null ? "—" : duration(item.talk_seconds)}</td>
        <td><${Reasons} reasons=${item.reasons} /></td><td>${t(`qa.state.${item.state}`)}</td>
      </tr>`)}</tbody>
    </table>`}
  </div>`;
}
