// Forecast overrides (GET/PUT/DELETE …/overrides): the shop's manager and the planners tell the plan what the
// history cannot know — a promotion day (140 % = +40 %), a holiday (0 %). Each change queues a recomputation.
import { html, useEffect, useState } from "../lib/html.js";
import { ApiError, get, request } from "../lib/api.js";
import { day, t, useLanguage } from "../lib/i18n.js";
import { percent } from "../lib/report-format.js";
import { Field } from "./dialog.js";

const STREAMS = ["orders", "all", "inbound"];

function OverrideForm({ base, today, onSaved }) {
  const [state, setState] = useState({ busy: false, errors: {}, error: null });
  async function submit(event) {
    event.preventDefault();
    const form = new FormData(event.target);
    const body = { factor: Number(form.get("percent")) / 100, stream: form.get("stream"), note: form.get("note") };
    setState({ busy: true, errors: {}, error: null });
    try {
      await request("PUT", `${base}/overrides/${form.get("day")}`, { json: body });
      setState({ busy: false, errors: {}, error: null });
      onSaved();
    } catch (error) {
      const errors = error instanceof ApiError ? error.fieldErrors : {};
      setState({ busy: false, errors: { ...errors, day: errors.day || errors["path.day"] }, error: error.message });
    }
  }
  return html`<form class="inline-form" onSubmit=${submit} data-testid="override-form">
    <${Field} label=${t("overrides.day")} error=${state.errors.day}><input type="date" name="day" min=${today} required data-testid="override-day" /><//>
    <${Field} label=${t("overrides.stream")} error=${state.errors.stream}>
      <select name="stream" data-testid="override-stream">${STREAMS.map((s) => html`<option key=${s} value=${s}>${t(`stream.${s}`)}</option>`)}</select><//>
    <${Field} label=${t("overrides.percent")} error=${state.errors.factor}>
      <input type="number" name="percent" min="0" max="1000" step="1" defaultValue="140" required data-testid="override-percent" /><//>
    <${Field} label=${t("overrides.note")} error=${state.errors.note}><input name="note" maxlength="200" data-testid="override-note" /><//>
    <button type="submit" class="primary" disabled=${state.busy} data-testid="override-save">${t("overrides.save")}</button>
    ${state.error && html`<p class="error" role="alert">${state.error}</p>`}
  </form>`;
}

export function Overrides({ base, today, canWrite, onChanged }) {
  useLanguage();
  const [rows, setRows] = useState(null);
  const [error, setError] = useState(null);
  const load = () => get(`${base}/overrides`).then(setRows, (failure) => setError(failure.message));
  useEffect(() => {
    setRows(null);
    load();
  }, [base]);
  const changed = () => {
    load();
    onChanged();
  };
  const remove = (row) => request("DELETE", `${base}/overrides/${row.id}`).then(changed, (failure) => setError(failure.message));
  const upcoming = (rows || []).filter((row) => row.day >= today);
  return html`<section class="panel" data-testid="overrides">
    <h3>${t("overrides.title")}</h3>
    <p class="muted hint">${t("overrides.hint")}</p>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${rows && upcoming.length === 0 && html`<p class="muted">${t("overrides.none")}</p>`}
    <ul class="overrides">${upcoming.map(
      (row) => html`<li key=${row.id} data-testid="override" data-day=${row.day} data-stream=${row.stream}>
        <strong>${day(row.day)}</strong> · ${t(`stream.${row.stream}`)} · ${t("overrides.factor", { percent: percent(row.factor) })}
        ${row.note && html` · <span class="muted">${row.note}</span>`}
        ${canWrite && html` <button type="button" class="link" onClick=${() => remove(row)}>${t("overrides.remove")}</button>`}
      </li>`,
    )}</ul>
    ${canWrite && html`<${OverrideForm} base=${base} today=${today} onSaved=${changed} />`}
  </section>`;
}
