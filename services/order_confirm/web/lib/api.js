// The public /api/v1 API, as the console uses it: bearer token in memory, refresh-token rotation, and
// RFC 9457 problem+json errors turned into ApiError (status, machine-readable code, per-field messages).
import { language } from "./i18n.js";
import { observable } from "./store.js";

export const API = "/api/v1";
const REFRESH_KEY = "okno.refresh";
// Renew the access token this long before it expires, so a request never races its expiry.
const RENEW_EARLY_MS = 60_000;

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
    this.code = this.problem.code || `http_${status}`;
  }

  // {"delivery_date": "… is in the past."}: validation messages keyed by field, for showing at the field.
  get fieldErrors() {
    const out = {};
    for (const error of this.problem.errors || []) {
      const field = (error.field || "").replace(/^body\./, "") || "_";
      out[field] = out[field] ? `${out[field]} ${error.message}` : error.message;
    }
    return out;
  }
}

// The signed-in operator: null when signed out. The access token never leaves memory; the refresh token is
// kept in this tab's sessionStorage so a reload does not sign the operator out (it dies with the tab).
export const session = observable(null);
let renewTimer = null;
let refreshing = null;

function adopt(body) {
  sessionStorage.setItem(REFRESH_KEY, body.refresh_token);
  session.set((previous) => ({
    operator: body.operator,
    me: previous?.operator?.id === body.operator.id ? previous.me : null,
    accessToken: body.access_token,
    expiresAt: Date.now() + body.expires_in * 1000,
  }));
  clearTimeout(renewTimer);
  renewTimer = setTimeout(() => refresh().catch(() => {}), Math.max(5_000, body.expires_in * 1000 - RENEW_EARLY_MS));
}

async function readProblem(response) {
  const type = response.headers.get("content-type") || "";
  if (type.includes("json")) {
    try {
      return await response.json();
    } catch {
      return null;
    }
  }
  return { detail: await response.text() };
}

export async function login(username, password) {
  const response = await fetch(`${API}/auth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ username, password }),
  });
  if (!response.ok) throw new ApiError(response.status, await readProblem(response));
  adopt(await response.json());
  await loadMe();
}

export function refresh() {
  const token = sessionStorage.getItem(REFRESH_KEY);
  if (!token) return Promise.reject(new ApiError(401, { code: "signed_out" }));
  // Several requests may discover an expired token at once: they all wait for one refresh.
  refreshing ??= (async () => {
    try {
      const response = await fetch(`${API}/auth/refresh`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ refresh_token: token }),
      });
      if (!response.ok) {
        const error = new ApiError(response.status, await readProblem(response));
        if (response.status === 401) signedOut();
        throw error;
      }
      adopt(await response.json());
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

export async function restore() {
  if (!sessionStorage.getItem(REFRESH_KEY)) return false;
  try {
    await refresh();
    await loadMe();
    return true;
  } catch {
    signedOut();
    return false;
  }
}

async function loadMe() {
  const me = await request("GET", "/auth/me");
  session.set((current) => (current ? { ...current, me } : current));
}

function signedOut() {
  clearTimeout(renewTimer);
  sessionStorage.removeItem(REFRESH_KEY);
  session.set(null);
}

export async function logout() {
  try {
    await request("POST", "/auth/logout");
  } finally {
    signedOut();
  }
}

export function accessToken() {
  return session.get()?.accessToken || null;
}

// One API call. Returns {data, etag, status}; throws ApiError for any non-2xx answer.
export async function request(method, path, { json, headers = {}, retried = false } = {}) {
  const current = session.get();
  // Server-written text (the customer timeline's lines) comes in the console's language.
  const init = { method, headers: { accept: "application/json", "accept-language": language.get(), ...headers } };
  if (current) init.headers.authorization = `Bearer ${current.accessToken}`;
  if (json !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(json);
  }
  const response = await fetch(`${API}${path}`, init);
  if (response.status === 401 && current && !retried && !path.startsWith("/auth/")) {
    await refresh();
    return request(method, path, { json, headers, retried: true });
  }
  if (!response.ok) throw new ApiError(response.status, await readProblem(response));
  const data = response.status === 204 ? null : await response.json();
  return { data, etag: response.headers.get("etag"), status: response.status };
}

export const get = async (path) => (await request("GET", path)).data;
export const post = async (path, json, headers) => (await request("POST", path, { json: json ?? {}, headers })).data;

// A fresh key per user action: a retried click (or a retried request) is recognised by the API.
export function idempotencyKey() {
  return crypto.randomUUID().replaceAll("-", "");
}
