// The API client. The console is signed in by an HttpOnly session cookie (set by
// POST /session, out of reach of any script on the page); every call sends it
// (credentials: "same-origin") and every write adds the session's CSRF token, which
// lives in this module's memory only — never in localStorage or sessionStorage.
// Errors come back as ApiError with the server's Chinese/English message.

import { lang } from "./i18n.js";

const CSRF_HEADER = "X-CSRF-Token";
const WRITES = new Set(["POST", "PUT", "PATCH", "DELETE"]);
let csrf = "";

// an older console kept the token here: never leave it behind
try {
  localStorage.removeItem("gongjian.token");
} catch {
  /* storage unavailable: nothing was kept either */
}

export class ApiError extends Error {
  constructor(status, body) {
    const err = (body && body.error) || {};
    super(err.message || `HTTP ${status}`);
    this.status = status;
    this.code = err.code || "http_error";
    this.details = err;
  }
  /** Field-level messages of a 422 as {field: message}. */
  fieldErrors() {
    const out = {};
    for (const e of this.details.errors || []) out[e.field] = e.message;
    return out;
  }
}

async function send(path, opts) {
  const method = (opts.method || "GET").toUpperCase();
  const headers = { "Accept-Language": lang(), ...(opts.headers || {}) };
  if (WRITES.has(method) && csrf) headers[CSRF_HEADER] = csrf;
  let body;
  if (opts.form) body = opts.form;
  else if (opts.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(opts.body);
  }
  return fetch(path, { method, headers, body, credentials: "same-origin" });
}

async function parse(res, opts) {
  if (opts.raw && res.ok) return res;
  if (res.status === 204) return null;
  if (res.status === 304) return undefined; // If-None-Match sent and nothing changed
  let data = null;
  const type = res.headers.get("content-type") || "";
  if (type.includes("json")) data = await res.json();
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

/**
 * Call the API. `opts`: {method, body (JSON), form (FormData), headers, raw (return Response)}.
 * Resolves to the parsed JSON (null for 204, undefined for 304); rejects with ApiError.
 */
export async function api(path, opts = {}) {
  let res = await send(path, opts);
  if (res.status === 403 && WRITES.has((opts.method || "GET").toUpperCase())) {
    // a sign-in in another tab replaced the session: fetch its CSRF token, try once more
    const data = (res.headers.get("content-type") || "").includes("json") ? await res.clone().json() : null;
    if (data && data.error && data.error.header === CSRF_HEADER && (await restoreSession())) {
      res = await send(path, opts);
    }
  }
  return parse(res, opts);
}

/** Sign in with a token: the server sets the session cookie; resolves to the user. */
export async function signIn(credentials) {
  // a token (API clients' way, also pasted here) or {username, password}
  const body = typeof credentials === "string" ? { token: credentials.trim() } : credentials;
  const data = await api("/session", { method: "POST", body });
  csrf = data.csrf_token;
  return data.user;
}

/** The user of the session cookie (after a reload), or null when not signed in. */
export async function restoreSession() {
  try {
    const data = await api("/session");
    csrf = data.csrf_token;
    return data.user;
  } catch (err) {
    csrf = "";
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
}

/** Sign out: the server ends the session and clears the cookie. */
export async function signOut() {
  try {
    await api("/session", { method: "DELETE" });
  } finally {
    csrf = "";
  }
}

/** Fetch a file with the session and hand it to the browser as a download. */
export async function download(path, fallbackName) {
  const res = await api(path, { raw: true });
  const blob = await res.blob();
  const cd = res.headers.get("content-disposition") || "";
  const star = /filename\*=UTF-8''([^;]+)/i.exec(cd);
  const plain = /filename="?([^";]+)"?/i.exec(cd);
  const name = star ? decodeURIComponent(star[1]) : plain ? plain[1] : fallbackName;
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 5000);
  return name;
}
