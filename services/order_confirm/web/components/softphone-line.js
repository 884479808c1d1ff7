// The operator's line in the softphone bar: "this browser" or "my phone" ("call my phone first": Okno rings
// the operator's own phone, then bridges the customer). Saved with PUT /api/v1/me/telephony-line; the API's
// message about a bad number is shown by the number field.
import { html, useState } from "../lib/html.js";
import { t } from "../lib/i18n.js";
import { chooseLine, line } from "../lib/softphone/index.js";
import { useObservable } from "../lib/store.js";

function LineForm({ current, close }) {
  const [kind, setKind] = useState(current.line);
  const [number, setNumber] = useState(current.phone_number || "");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  async function save(event) {
    event.preventDefault();
    setBusy(true);
    try {
      await chooseLine(kind, number.trim());
      close();
    } catch (failure) {
      const field = failure.fieldErrors?.phone_number;
      setError(field ? `${failure.message} ${field}` : failure.message);
    } finally {
      setBusy(false);
    }
  }

  const choice = (value) => html`<label>
    <input type="radio" name="softphone-line" value=${value} checked=${kind === value}
      onChange=${() => setKind(value)} data-testid=${`softphone-line-${value}`} />
    ${t(`softphone.line.${value}`)}</label>`;
  return html`<form class="softphone-line-form" onSubmit=${save} data-testid="softphone-line-form">
    ${choice("browser")} ${choice("phone")}
    <input type="tel" value=${number} placeholder="+79161234567" aria-label=${t("softphone.line.number")}
      aria-invalid=${Boolean(error)} onInput=${(event) => setNumber(event.target.value)} data-testid="softphone-line-number" />
    ${error && html`<span class="field-error" role="alert" data-testid="softphone-line-error">${error}</span>`}
    <button type="submit" class="primary" disabled=${busy} data-testid="softphone-line-save">${t("softphone.line.save")}</button>
    <button type="button" onClick=${close}>${t("softphone.line.cancel")}</button>
  </form>`;
}

export function SoftphoneLine() {
  const current = useObservable(line);
  const [open, setOpen] = useState(false);
  if (open) return html`<${LineForm} current=${current} close=${() => setOpen(false)} />`;
  const shown = current.line === "phone" ? t("softphone.line.phone_is", { number: current.phone_number }) : t("softphone.line.browser");
  return html`<button type="button" class="softphone-line" onClick=${() => setOpen(true)} data-testid="softphone-line"
    data-line=${current.line} title=${t("softphone.line.choose")}>${t("softphone.line.label")}: ${shown}</button>`;
}
