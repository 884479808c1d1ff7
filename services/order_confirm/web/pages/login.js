// Sign in with login and password (OAuth2 password form of POST /api/v1/auth/token).
import { html, useState } from "../lib/html.js";
import { login } from "../lib/api.js";
import { LANGUAGES, chooseLanguage, t, useLanguage } from "../lib/i18n.js";

function problemText(error) {
  const known = { invalid_credentials: "login.wrong", too_many_logins: "login.rate" };
  return known[error.code] ? t(known[error.code]) : error.message || t("error.network");
}

export function LoginPage() {
  const lang = useLanguage();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);

  async function submit(event) {
    event.preventDefault();
    const form = new FormData(event.target);
    setBusy(true);
    setError(null);
    try {
      await login(form.get("username").trim(), form.get("password"));
    } catch (failure) {
      setError(failure.status ? problemText(failure) : t("error.network"));
      setBusy(false);
    }
  }

  return html`<form class="login" onSubmit=${submit} aria-busy=${busy}>
    <h1>Okno</h1>
    <p class="muted">${t("login.subtitle")}</p>
    <label>${t("login.username")}<input name="username" autocomplete="username" required autofocus /></label>
    <label>${t("login.password")}<input name="password" type="password" autocomplete="current-password" required /></label>
    ${error && html`<p class="error" role="alert" data-testid="login-error">${error}</p>`}
    <button type="submit" class="primary" disabled=${busy}>${busy ? t("state.loading") : t("login.submit")}</button>
    <select class="language" aria-label=${t("language")} value=${lang} onChange=${(e) => chooseLanguage(e.target.value)}>
      ${Object.entries(LANGUAGES).map(([code, name]) => html`<option key=${code} value=${code}>${name}</option>`)}
    </select>
  </form>`;
}
