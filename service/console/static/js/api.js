// The API client: every call carries the signed-in user's bearer token.
// Errors come back as ApiError with the server's Chinese/English message.

const TOKEN_KEY = "gongjian.token";

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

export function token() {
  return localStorage.getItem(TOKEN_KEY) || "";
}

export function setToken(value) {
  if (value) localStorage.setItem(TOKEN_KEY, value.trim());
  else localStorage.removeItem(TOKEN_KEY);
}

/**
 * Call the API. `opts`: {method, body (JSON), form (FormData), headers, raw (return Response)}.
 * Resolves to the parsed JSON (or null for 204); rejects with ApiError.
 */
export async function api(path, opts = {}) {
  const headers = { ...(opts.headers || {}) };
  const t = token();
  if (t) headers.Authorization = `Bearer ${t}`;
  let body;
  if (opts.form) body = opts.form;
  else if (opts.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(opts.body);
  }
  const res = await fetch(path, { method: opts.method || "GET", headers, body });
  if (opts.raw && res.ok) return res;
  if (res.status === 204) return null;
  let data = null;
  const type = res.headers.get("content-type") || "";
  if (type.includes("json")) data = await res.json();
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

/** Fetch a file with the token and hand it to the browser as a download. */
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
