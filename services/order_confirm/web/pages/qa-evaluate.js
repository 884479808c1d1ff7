// The evaluation form, keyboard first: the call in its order's context on the left, the scorecard on the right.
// ↑/↓ pick a criterion, Y/P/N/A answer it (and move on), C writes a comment pinned to a second of the call and
// the criterion, Ctrl+Enter submits. Every answer is saved at once (PUT with the revision read); the server
// computes the score on submit. With a recording, space plays or pauses it and ←/→ seek; a comment is pinned
// to the second being played unless another one is typed, and a comment's time plays from there.
import { html, useEffect, useRef, useState } from "../lib/html.js";
import { get, post, request } from "../lib/api.js";
import { dateTime, duration, t, useLanguage } from "../lib/i18n.js";
import { useShortcuts } from "../lib/keys.js";
import { navigate } from "../lib/router.js";
import { useStylesheet } from "../lib/stylesheet.js";
import { qaPath, useQaTenant } from "../lib/qa-tenant.js";
import { RecordingPlayer, SEEK_SECONDS, seek, togglePlayback } from "../components/recording-player.js";

const KEYS = { y: "yes", p: "partly", n: "no", a: "na" };

function Conversation({ call, player, onTime }) {
  const order = call.order;
  return html`<section class="qa-call" data-testid="qa-conversation">
    <h3>${t("qa.conversation")} · ${call.operator.name}</h3>
    <p>${dateTime(call.started_at)} · ${t(`disposition.${call.disposition}`)}
      ${call.talk_seconds != null && html` · ${duration(call.talk_seconds)}`}</p>
    ${call.comment && html`<p class="muted">${call.comment}</p>`}
    ${call.recording
      ? html`<${RecordingPlayer} recording=${call.recording} player=${player} onTime=${onTime} />`
      : html`<p class="notice" data-testid="qa-no-recording">${t("qa.no_recording")}</p>`}
    ${(call.survey.csat != null || call.survey.nps != null) &&
    html`<p>${t("qa.survey", { csat: call.survey.csat ?? "—", nps: call.survey.nps ?? "—" })}</p>`}
    <h4>${t("qa.order", { id: order.external_id })}</h4>
    <p>${order.customer_name} · ${order.delivery_address} · ${order.payment_method}</p>
    <ul>${order.items.map((i) => html`<li key=${i.sku}>${i.name} × ${i.quantity}</li>`)}</ul>
    <h4>${t("qa.timeline")}</h4>
    <ul>${call.timeline.map((e, n) => html`<li key=${n}>${dateTime(e.occurred_at)} · ${e.text}</li>`)}</ul>
    ${call.notes.length > 0 && html`<h4>${t("qa.notes")}</h4>
      <ul>${call.notes.map((note, n) => html`<li key=${n}>${note.text}</li>`)}</ul>`}
  </section>`;
}

function Criterion({ criterion, focused, onAnswer, onFocus, readOnly }) {
  return html`<li class=${`qa-criterion${focused ? " selected" : ""}`} data-testid="qa-criterion" data-key=${criterion.key}
    data-answer=${criterion.answer || ""} onClick=${onFocus}>
    <div><strong>${criterion.title}</strong>
      ${criterion.critical ? html` <span class="badge urgent">${t("qa.critical")}</span>` : html` <span class="muted">${t("qa.points", { weight: criterion.weight })}</span>`}
    </div>
    ${criterion.description && html`<small class="muted">${criterion.description}</small>`}
    <div class="qa-answers">${criterion.answers.map((answer) => html`<button type="button" key=${answer}
        class=${criterion.answer === answer ? "primary" : ""} aria-pressed=${criterion.answer === answer} disabled=${readOnly}
        data-testid=${`answer-${criterion.key}-${answer}`} onClick=${() => onAnswer(criterion, answer)}>${t(`qa.answer.${answer}`)}</button>`)}
    </div>
  </li>`;
}

// A regular evaluation of a call (QA), or one's own evaluation in a calibration (QA, supervisors, the shop).
function startEvaluation(tenant, params) {
  return params.calibration
    ? post(qaPath(tenant, `/calibrations/${params.calibration}/evaluation`))
    : post(qaPath(tenant, "/evaluations"), { attempt_id: Number(params.attempt) });
}

function useEvaluation(tenant, params) {
  const [state, setState] = useState({ call: null, evaluation: null, error: null, saving: false });
  const latest = useRef(null);
  const chain = useRef(Promise.resolve());
  useEffect(() => {
    if (!tenant) return;
    startEvaluation(tenant, params)
      .then(async (evaluation) => [await get(qaPath(tenant, `/conversations/${evaluation.attempt_id}`)), evaluation])
      .then(
        ([call, evaluation]) => {
          latest.current = evaluation;
          setState({ call, evaluation, error: null, saving: false });
        },
        (error) => setState((s) => ({ ...s, error: error.message })),
      );
  }, [tenant, params.attempt, params.calibration]);
  // Saves run one after another, each with the revision the previous one returned.
  const save = (change) => {
    chain.current = chain.current.then(async () => {
      const current = latest.current;
      const body = { revision: current.revision, ...change(current) };
      setState((s) => ({ ...s, saving: true }));
      try {
        const saved = (await request("PUT", qaPath(tenant, `/evaluations/${current.id}`), { json: body })).data;
        latest.current = saved;
        setState((s) => ({ ...s, evaluation: saved, saving: false, error: null }));
      } catch (error) {
        setState((s) => ({ ...s, saving: false, error: error.message }));
      }
    });
    return chain.current;
  };
  const submit = () =>
    save((current) => ({ answers: current.answers, comments: current.comments.map(({ author_id, ...c }) => c) })).then(async () => {
      try {
        const done = await post(qaPath(tenant, `/evaluations/${latest.current.id}/submit`), { revision: latest.current.revision });
        latest.current = done;
        setState((s) => ({ ...s, evaluation: done, error: null }));
      } catch (error) {
        setState((s) => ({ ...s, error: error.message }));
      }
    });
  return [state, save, submit];
}

export function QaEvaluatePage({ params }) {
  useLanguage();
  useStylesheet("reports.css");
  const tenant = useQaTenant();
  const [state, save, submit] = useEvaluation(tenant, params);
  const back = params.calibration ? "/qa/reports" : "/qa";
  const [cursor, setCursor] = useState(0);
  const [comment, setComment] = useState({ text: "", at: "" });
  const commentBox = useRef(null);
  const player = useRef(null);
  const [second, setSecond] = useState(0);
  const recorded = Boolean(state.call?.recording);
  const evaluation = state.evaluation;
  const criteria = evaluation?.criteria ?? [];
  const readOnly = evaluation?.status !== "draft";
  const strip = (comments) => comments.map(({ author_id, ...c }) => c);
  const answer = (criterion, value) => {
    if (readOnly || !criterion?.answers.includes(value)) return;
    save((current) => ({ answers: { ...current.answers, [criterion.key]: value }, comments: strip(current.comments) }));
    setCursor((c) => Math.min(criteria.indexOf(criterion) + 1, criteria.length - 1));
  };
  const addComment = () => {
    if (!comment.text.trim()) return;
    const at = comment.at === "" ? (recorded ? second : null) : Number(comment.at);
    const pinned = { text: comment.text.trim(), at_seconds: at, criterion_key: criteria[cursor]?.key ?? null };
    save((current) => ({ answers: current.answers, comments: [...strip(current.comments), pinned] }));
    setComment({ text: "", at: "" });
  };
  useShortcuts([
    { key: "ArrowDown", label: t("qa.next_criterion"), run: () => setCursor((c) => Math.min(c + 1, criteria.length - 1)) },
    { key: "ArrowUp", label: t("qa.previous_criterion"), run: () => setCursor((c) => Math.max(c - 1, 0)) },
    ...Object.entries(KEYS).map(([key, value]) => ({ key, label: t("qa.answer_key", { answer: t(`qa.answer.${value}`) }), run: () => answer(criteria[cursor], value) })),
    { key: "c", label: t("qa.comment"), run: () => commentBox.current?.focus() },
    recorded && { key: " ", label: t("qa.play_pause"), run: () => togglePlayback(player.current) },
    recorded && { key: "ArrowLeft", label: t("qa.seek_back", { seconds: SEEK_SECONDS }), run: () => seek(player.current, -SEEK_SECONDS) },
    recorded && { key: "ArrowRight", label: t("qa.seek_forward", { seconds: SEEK_SECONDS }), run: () => seek(player.current, SEEK_SECONDS) },
    { key: "ctrl+Enter", label: t("qa.submit"), run: () => (readOnly ? null : submit()), disabled: readOnly },
    { key: "Escape", label: t("qa.back"), run: () => navigate(back) },
  ]);
  if (state.error && !evaluation) return html`<p class="error" role="alert">${state.error}</p>`;
  if (!evaluation || !state.call) return html`<p class="muted">…</p>`;
  return html`<div class="qa-evaluate" data-testid="qa-evaluate" data-status=${evaluation.status}>
    <${Conversation} call=${state.call} player=${player} onTime=${setSecond} />
    <section class="qa-form">
      <h3>${evaluation.scorecard.name} <span class="muted">v${evaluation.scorecard.version}</span></h3>
      <p class="muted">${t("qa.keys")}</p>
      ${readOnly
        ? html`<p class="notice" data-testid="qa-score">${t("qa.submitted", { score: evaluation.score })}</p>`
        : html`<p class="muted" data-testid="qa-save-state">${state.saving ? t("qa.saving") : t("qa.saved")}</p>`}
      ${state.error && html`<p class="error" role="alert">${state.error}</p>`}
      <ol class="qa-criteria">${criteria.map((c, n) => html`<${Criterion} key=${c.key} criterion=${c} focused=${n === cursor}
        readOnly=${readOnly} onAnswer=${answer} onFocus=${() => setCursor(n)} />`)}</ol>
      <h4>${t("qa.comments")}</h4>
      <ul data-testid="qa-comments">${evaluation.comments.map((c, n) => html`<li key=${n}>
        ${c.at_seconds != null && html`<kbd class=${recorded ? "qa-jump" : ""} title=${recorded ? t("qa.play_from") : ""}
          onClick=${() => recorded && player.current && (player.current.currentTime = c.at_seconds)}>${duration(c.at_seconds)}</kbd> `}${c.criterion_key && html`<span class="muted">${c.criterion_key}</span> `}${c.text}</li>`)}</ul>
      ${!readOnly && html`<div class="qa-comment">
        <textarea ref=${commentBox} aria-label=${t("qa.comment")} data-testid="qa-comment-text" value=${comment.text}
          onInput=${(e) => setComment({ ...comment, text: e.target.value })}
          onKeyDown=${(e) => e.key === "Enter" && !e.ctrlKey && !e.shiftKey && (e.preventDefault(), addComment())}></textarea>
        <label>${t("qa.at_seconds")} <input type="number" min="0" data-testid="qa-comment-at" value=${comment.at}
          placeholder=${recorded ? String(second) : ""}
          onInput=${(e) => setComment({ ...comment, at: e.target.value })} /></label>
        <button type="button" onClick=${addComment} data-testid="qa-comment-add">${t("qa.add_comment")}</button>
        <button type="button" class="primary" onClick=${submit} data-testid="qa-submit">${t("qa.submit")} <kbd>Ctrl+Enter</kbd></button>
      </div>`}
    </section>
  </div>`;
}
