// A modal dialog: Escape closes it, its shortcuts shadow the page's, focus starts on its first field.
import { html, useEffect, useRef } from "../lib/html.js";
import { t } from "../lib/i18n.js";
import { useShortcuts } from "../lib/keys.js";

export function Dialog({ title, onClose, onSubmit, busy, error, children, submitLabel, testid }) {
  const form = useRef(null);
  useShortcuts(
    [
      { key: "Escape", label: t("action.close"), run: onClose },
      { key: "ctrl+Enter", label: submitLabel, run: () => form.current?.requestSubmit() },
    ],
    { modal: true },
  );
  useEffect(() => {
    form.current?.querySelector("input, select, textarea")?.focus();
  }, []);
  return html`<div class="overlay" onClick=${onClose}>
    <form class="dialog" role="dialog" aria-modal="true" aria-label=${title} data-testid=${testid} ref=${form}
      onClick=${(e) => e.stopPropagation()}
      onSubmit=${(e) => {
        e.preventDefault();
        onSubmit(new FormData(e.target));
      }}>
      <h2>${title}</h2>
      ${children}
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <div class="buttons">
        <button type="button" onClick=${onClose}>${t("action.close")} <kbd>Esc</kbd></button>
        <button type="submit" class="primary" disabled=${busy}>${submitLabel} <kbd>Ctrl+Enter</kbd></button>
      </div>
    </form>
  </div>`;
}

// A field with its API validation message right under it.
export function Field({ label, error, children }) {
  return html`<label class=${error ? "field invalid" : "field"}>
    <span>${label}</span>
    ${children}
    ${error && html`<small class="field-error" role="alert">${error}</small>`}
  </label>`;
}
