// How report figures are shown and which orders stand behind them. Figures come from the report API with a
// `kind` per column (count, seconds, share, number, money, text); every number goes through Intl.
import { language, money, number, t } from "./i18n.js";

export function percent(share) {
  if (share === null || share === undefined) return "—";
  return new Intl.NumberFormat(language.get(), { style: "percent", maximumFractionDigits: 1 }).format(share);
}

export function waited(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  const s = Math.round(seconds);
  const [h, m, sec] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const pad = (n) => String(n).padStart(2, "0");
  return h ? `${h}:${pad(m)}:${pad(sec)}` : `${m}:${pad(sec)}`;
}

export function figure(value, kind, currency) {
  if (value === null || value === undefined) return "—";
  if (kind === "share") return percent(value);
  if (kind === "seconds") return waited(value);
  if (kind === "money") return money(value / 100, currency || "RUB");
  if (kind === "number") return new Intl.NumberFormat(language.get(), { maximumFractionDigits: 2 }).format(value);
  if (kind === "count") return number(value);
  return String(value);
}

export function columnTitle(column) {
  if (column.key.startsWith("cancelled.")) return `${t("col.cancelled")}: ${t(`cancel_reason.${column.key.slice(10)}`)}`;
  if (column.key.startsWith("csat.")) return `CSAT ${column.key.slice(5)}`;
  const key = `col.${column.key}`;
  const word = t(key);
  return word === column.key ? column.title : word;
}

export function groupLabel(row, grouping) {
  if (grouping === "operator" && row.group_id === null) return t("reports.not_called");
  if (grouping === "hour") return row.group.slice(5, 16).replace("T", " ");
  return row.group === "total" ? t("reports.total") : row.group;
}

// Which order search shows the orders a figure counts; null when a figure is not about orders.
const DRILLS = {
  speed: {
    orders: { caller: "first" },
    within_target: { caller: "first", target: "met" },
    missed_target: { caller: "first", target: "missed" },
  },
  outcomes: {
    orders: {},
    confirmed: { status: "confirmed" },
    confirmed_with_changes: { status: "confirmed_with_changes" },
    cancelled: { status: "cancelled" },
    unreachable: { status: "unreachable" },
    cancelled_by_shop: { status: "cancelled_by_shop" },
    in_progress: { status: ["new", "awaiting_call", "in_call", "no_answer", "callback_scheduled", "awaiting_payment", "paid"] },
  },
};

export function drillable(report, key) {
  return Boolean(DRILLS[report]?.[key] || (report === "outcomes" && key.startsWith("cancelled.")));
}

// Search parameters for the orders behind `report`.`key` in `row`; `period` is the total row (its bounds).
export function drillQuery(report, key, row, grouping, period, filters) {
  const base = key.startsWith("cancelled.") ? { status: "cancelled", close_reason: key.slice(10) } : DRILLS[report][key];
  const query = { ...base, caller: base.caller || "last" };
  const bounded = row.starts ? row : period;
  query.received_from = bounded.starts;
  query.received_before = bounded.ends;
  if (filters.tenant_id) query.tenant_id = filters.tenant_id;
  if (filters.operator_id) query.operator_id = filters.operator_id;
  if (grouping === "operator") {
    if (row.group_id === null) query.not_called = "true";
    else query.operator_id = row.group_id;
  }
  if (grouping === "tenant") query.tenant_id = row.group_id;
  return query;
}

export function searchParams(query) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === null || value === undefined || value === "") continue;
    for (const item of Array.isArray(value) ? value : [value]) params.append(name, String(item));
  }
  return params.toString();
}

// "2026-11-24" for today in the browser's timezone, `days` earlier when asked.
export function localDate(days = 0) {
  const moment = new Date(Date.now() - days * 86_400_000);
  const pad = (n) => String(n).padStart(2, "0");
  return `${moment.getFullYear()}-${pad(moment.getMonth() + 1)}-${pad(moment.getDate())}`;
}
