// An operator's own evaluations (GET /api/v1/qa/tenants/{id}/evaluations): the score, each criterion with its
// answer, the evaluator's comments; acknowledge, or dispute once with a reason. Below, the shop's kudos wall.
import { html, useEffect, useState } from "../lib/html.js";
import { get, post } from "../lib/api.js";
import { dateTime, duration, t, useLanguage } from "../lib/i18n.js";
import { useStylesheet } from "../lib/stylesheet.js";
import { qaPath, useQaTenant } from "../lib/qa-tenant.js";
import { Dialog, Field } from "../components/dialog.js";

function Evaluation({ evaluation, onAcknowledge, onDispute }) {
  const dispute = evaluation.dispute;
  const failed = evaluation.criteria.filter((c) => c.answer === "no" || c.answer === "partly");
  return html`<article class="qa-evaluation" data-testid="my-evaluation" data-id=${evaluation.id}>
    <h3>${t("qa.score", { score: evaluation.score })} <span class="muted">${t("evaluations.by", {
      evaluator: evaluation.evaluator.name,
      when: dateTime(evaluation.submitted_at),
    })}</span></h3>
    ${failed.length > 0 && html`<p>${t("qa.failed")}: ${failed.map((c) => html`<span key=${c.key} class="badge">${c.title} — ${t(`qa.answer.${c.answer}`)}</span> `)}</p>`}
    <ul>${evaluation.comments.map((c, n) => html`<li key=${n}>${c.at_seconds != null && html`<kbd>${duration(c.at_seconds)}</kbd> `}${c.text}</li>`)}</ul>
    ${dispute && html`<p class="notice" data-testid="dispute-state" data-status=${dispute.status}>${t(`evaluations.dispute.${dispute.status}`, { resolution: dispute.resolution ?? "" })}</p>`}
    ${evaluation.acknowledged_at
      ? html`<p class="muted">${t("evaluations.acknowledged", { when: dateTime(evaluation.acknowledged_at) })}</p>`
      : html`<div class="buttons">
          ${(!dispute || dispute.status !== "open") && html`<button type="button" data-testid="acknowledge" onClick=${onAcknowledge}>${t("evaluations.acknowledge")}</button>`}
          ${!dispute && html`<button type="button" data-testid="dispute" onClick=${onDispute}>${t("evaluations.dispute")}</button>`}
        </div>`}
  </article>`;
}

export function MyEvaluationsPage() {
  useLanguage();
  useStylesheet("reports.css");
  const tenant = useQaTenant();
  const [state, setState] = useState({ evaluations: null, kudos: [], error: null });
  const [disputing, setDisputing] = useState(null);
  const [dialogError, setDialogError] = useState(null);
  const load = () =>
    Promise.all([get(qaPath(tenant, "/evaluations")), get(qaPath(tenant, "/kudos"))]).then(
      ([evaluations, kudos]) => setState({ evaluations, kudos, error: null }),
      (error) => setState((s) => ({ ...s, error: error.message })),
    );
  useEffect(() => {
    if (tenant) load();
  }, [tenant]);
  const acknowledge = (evaluation) => post(qaPath(tenant, `/evaluations/${evaluation.id}/acknowledge`)).then(load, (e) => setState((s) => ({ ...s, error: e.message })));
  const sendDispute = (form) =>
    post(qaPath(tenant, `/evaluations/${disputing.id}/dispute`), { reason: form.get("reason") }).then(
      () => {
        setDisputing(null);
        load();
      },
      (error) => setDialogError(error.fieldErrors.reason || error.message),
    );
  return html`<div class="reports" data-testid="my-evaluations">
    <h2>${t("nav.my_evaluations")}</h2>
    ${state.error && html`<p class="error" role="alert">${state.error}</p>`}
    ${state.evaluations?.length === 0 && html`<p class="empty">${t("evaluations.none")}</p>`}
    ${state.evaluations?.map((e) => html`<${Evaluation} key=${e.id} evaluation=${e} onAcknowledge=${() => acknowledge(e)}
      onDispute=${() => {
        setDialogError(null);
        setDisputing(e);
      }} />`)}
    <h3>${t("evaluations.kudos")}</h3>
    <ul data-testid="kudos-wall">${state.kudos.map((k) => html`<li key=${k.id}><span class="badge">${t(`kudos.${k.kind}`)}</span>
      ${t("evaluations.kudos_line", { author: k.author.name, operator: k.operator.name, message: k.message })}</li>`)}</ul>
    ${disputing && html`<${Dialog} title=${t("evaluations.dispute")} submitLabel=${t("evaluations.dispute_send")} error=${dialogError}
      testid="dispute-dialog" onClose=${() => setDisputing(null)} onSubmit=${sendDispute}>
      <${Field} label=${t("evaluations.dispute_reason")}><textarea name="reason" required minlength="3" maxlength="2000"></textarea></${Field}>
    </${Dialog}>`}
  </div>`;
}
