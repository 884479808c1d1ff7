// Languages of the console and locale-aware formatting. Every number, date, time and amount goes through
// the browser's Intl API, so "1 500,00 ₽ · 24 нояб., 10:30" and "RUB 1,500.00 · Nov 24, 10:30 AM" come from
// the same code.
import { MESSAGES } from "./messages.js";
import { observable, useObservable } from "./store.js";

export const LANGUAGES = { ru: "Русский", en: "English" };
const STORED = "okno.language";

function initialLanguage() {
  const stored = localStorage.getItem(STORED);
  return stored in LANGUAGES ? stored : "ru";
}

export const language = observable(initialLanguage());
language.subscribe((lang) => {
  document.documentElement.lang = lang;
});
document.documentElement.lang = language.get();

export function chooseLanguage(lang, { remember = true } = {}) {
  if (!(lang in LANGUAGES)) return;
  if (remember) localStorage.setItem(STORED, lang);
  language.set(lang);
}

// The operator's own language applies at login unless they picked one in this browser.
export function adoptOperatorLanguage(lang) {
  if (!localStorage.getItem(STORED)) chooseLanguage(lang, { remember: false });
}

export function t(key, params = {}) {
  const lang = language.get();
  // A value the console has no word for (a shop's own delivery method, say) is shown as it came.
  const text = MESSAGES[lang][key] ?? MESSAGES.en[key] ?? key.split(".").pop();
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
}

// Whether the console has a word for `key` (a server's note it knows, say), in either language.
export function has(key) {
  return key in MESSAGES[language.get()] || key in MESSAGES.en;
}

// Re-render a component when the language changes.
export function useLanguage() {
  return useObservable(language);
}

const cache = new Map();
function formatter(kind, options) {
  const key = `${language.get()}|${kind}|${JSON.stringify(options)}`;
  if (!cache.has(key)) {
    const make = kind === "number" ? Intl.NumberFormat : kind === "relative" ? Intl.RelativeTimeFormat : Intl.DateTimeFormat;
    cache.set(key, new make(language.get(), options));
  }
  return cache.get(key);
}

export function money(amount, currency) {
  if (amount === null || amount === undefined) return "—";
  return formatter("number", { style: "currency", currency }).format(Number(amount));
}

export function number(value) {
  return formatter("number", {}).format(value);
}

export function dateTime(iso, timeZone) {
  if (!iso) return "—";
  return formatter("date", { dateStyle: "medium", timeStyle: "short", ...(timeZone ? { timeZone } : {}) }).format(
    new Date(iso),
  );
}

export function time(iso, timeZone) {
  if (!iso) return "—";
  return formatter("date", { timeStyle: "short", ...(timeZone ? { timeZone } : {}) }).format(new Date(iso));
}

// A calendar date ("2026-11-24") is not an instant: format it in UTC so no timezone shifts the day.
export function day(isoDate) {
  if (!isoDate) return "—";
  return formatter("date", { dateStyle: "medium", timeZone: "UTC" }).format(new Date(`${isoDate}T00:00:00Z`));
}

export function relative(iso, now = Date.now()) {
  if (!iso) return "";
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const steps = [
    [60, "second"],
    [3600, "minute"],
    [86400, "hour"],
    [Infinity, "day"],
  ];
  const rtf = formatter("relative", { numeric: "auto" });
  let unit = 1;
  for (const [limit, name] of steps) {
    if (Math.abs(seconds) < limit) return rtf.format(Math.round(seconds / unit), name);
    unit = limit;
  }
  return "";
}

export function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const mm = String(Math.floor(s / 60)).padStart(2, "0");
  const ss = String(s % 60).padStart(2, "0");
  return `${mm}:${ss}`;
}
