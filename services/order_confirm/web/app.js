// The console shell: sign-in, role-aware navigation, language switch, live-stream status, shortcut help.
import { html, render, useEffect, useState } from "./lib/html.js";
import { logout, restore, session } from "./lib/api.js";
import { LANGUAGES, adoptOperatorLanguage, chooseLanguage, t, useLanguage } from "./lib/i18n.js";
import { activeShortcuts, keyLabel, useShortcuts } from "./lib/keys.js";
import { liveState, startLive } from "./lib/live.js";
import { matchPath, navigate, route } from "./lib/router.js";
import { useObservable } from "./lib/store.js";
import { SoftphoneBar } from "./components/softphone-bar.js";
import { startSoftphone, stopSoftphone } from "./lib/softphone/index.js";
import { LoginPage } from "./pages/login.js";
import { PAGES } from "./pages/registry.js";

const PHONE_ROLES = ["operator", "supervisor"];

function pagesFor(role) {
  return PAGES.filter((page) => page.roles.includes(role));
}

function LiveBadge() {
  const state = useObservable(liveState);
  return html`<span class="live live-${state}" data-testid="live-state" title=${t(`live.${state}`)}>${t(`live.${state}`)}</span>`;
}

function ShortcutHelp({ onClose }) {
  const shortcuts = useObservable(activeShortcuts);
  useShortcuts([{ key: "Escape", label: t("action.close"), run: onClose }], { modal: false });
  return html`<div class="overlay" role="dialog" aria-modal="true" aria-label=${t("keys.title")} onClick=${onClose}>
    <div class="dialog help" onClick=${(e) => e.stopPropagation()}>
      <h2>${t("keys.title")}</h2>
      <dl class="shortcut-list">
        ${shortcuts.map((s) => html`<div key=${s.key}><dt><kbd>${keyLabel(s.key)}</kbd></dt><dd>${s.label}</dd></div>`)}
      </dl>
      <p class="muted">${t("keys.hint")}</p>
    </div>
  </div>`;
}

function Shell({ current }) {
  const lang = useLanguage();
  const path = useObservable(route);
  const [help, setHelp] = useState(false);
  const role = current.operator.role;
  const pages = pagesFor(role);
  const active = PAGES.map((page) => ({ page, params: matchPath(page.pattern, path) })).find(
    ({ page, params }) => params && page.roles.includes(role),
  );
  // Read the hash again when the effect runs: it may have moved on since this render (a link followed
  // straight after signing in), and the stale render must not send the operator back to the first page.
  useEffect(() => {
    const now = location.hash.slice(1) || "/";
    const reachable = PAGES.some((page) => page.roles.includes(role) && matchPath(page.pattern, now));
    if (!reachable && pages.length) navigate(pages[0].href);
  }, [path, role]);
  useEffect(() => {
    startLive();
  }, [current.operator.id]);
  // Whoever talks to customers gets a line (the softphone registers the operator's client identity).
  useEffect(() => {
    if (!PHONE_ROLES.includes(role)) return undefined;
    startSoftphone();
    return stopSoftphone;
  }, [current.operator.id, role]);
  useShortcuts([
    { key: "?", label: t("keys.help"), run: () => setHelp((open) => !open) },
    ...pages.filter((p) => p.key && p.href).map((p) => ({ key: p.key, label: t(p.label), run: () => navigate(p.href) })),
  ]);
  const Page = active?.page.component;
  return html`<div class="shell">
    <header class="topbar">
      <span class="brand">Okno</span>
      <nav>
        ${pages
          .filter((page) => page.href)
          .map(
            (page) => html`<a key=${page.id} href=${`#${page.href}`} class=${active?.page.id === page.id ? "active" : ""}
              >${t(page.label)} <kbd>${keyLabel(page.key)}</kbd></a
            >`,
          )}
      </nav>
      <span class="spacer"></span>
      <${LiveBadge} />
      <select class="language" aria-label=${t("language")} value=${lang}
        onChange=${(e) => chooseLanguage(e.target.value)} data-testid="language">
        ${Object.entries(LANGUAGES).map(([code, name]) => html`<option key=${code} value=${code}>${name}</option>`)}
      </select>
      <button class="link" onClick=${() => setHelp(true)} title=${t("keys.help")}><kbd>?</kbd></button>
      <span class="who" data-testid="who">${current.operator.name} · ${t(`role.${role}`)}</span>
      <button class="link" onClick=${() => logout()} data-testid="logout">${t("action.logout")}</button>
    </header>
    <${SoftphoneBar} />
    <main>
      ${Page ? html`<${Page} params=${active.params} me=${current} />` : html`<p class="empty">${t("nav.nothing")}</p>`}
    </main>
    ${help && html`<${ShortcutHelp} onClose=${() => setHelp(false)} />`}
  </div>`;
}

function App() {
  useLanguage();
  const current = useObservable(session);
  const [restoring, setRestoring] = useState(true);
  useEffect(() => {
    restore().finally(() => setRestoring(false));
  }, []);
  useEffect(() => {
    if (current?.operator) adoptOperatorLanguage(current.operator.language);
  }, [current?.operator?.id]);
  if (restoring) return html`<p class="boot">${t("state.loading")}</p>`;
  if (!current || !current.me) return html`<${LoginPage} />`;
  return html`<${Shell} current=${current} />`;
}

render(html`<${App} />`, document.getElementById("app"));
