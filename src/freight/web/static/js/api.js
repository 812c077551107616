// Calls to Freight's JSON API from a signed-in page: the session cookie travels by
// itself, the CSRF token from the page's <meta> goes in a header on every call.
export const csrfToken = document.querySelector('meta[name="csrf-token"]')?.content ?? "";

export class ApiError extends Error {
  constructor(problem, status) {
    super(problemText(problem, status));
    this.problem = problem;
    this.status = status;
  }
}

// A problem+json body as one readable sentence, naming the fields that were wrong.
export function problemText(problem, status) {
  if (!problem || typeof problem !== "object") return `Request failed (${status}).`;
  const fields = (problem.errors ?? [])
    .map((e) => `${(e.loc ?? []).filter((p) => p !== "body").join(".")}: ${e.msg}`)
    .join("; ");
  return [problem.detail ?? problem.title ?? `Request failed (${status})`, fields]
    .filter(Boolean)
    .join(" — ");
}

// fetch() a JSON API path. `json` is sent as a JSON body, `body` as is (FormData, Blob).
export async function api(path, { method = "GET", json, body, headers = {} } = {}) {
  const init = {
    method,
    credentials: "same-origin",
    headers: { Accept: "application/json", "X-CSRF-Token": csrfToken, ...headers },
  };
  if (json !== undefined) {
    init.body = JSON.stringify(json);
    init.headers["Content-Type"] = "application/json";
  } else if (body !== undefined) {
    init.body = body;
  }
  const response = await fetch(path, init);
  const type = response.headers.get("content-type") ?? "";
  const data = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) throw new ApiError(data, response.status);
  return data;
}

// Announce something to screen readers and sighted users in the live-status region.
export function announce(text) {
  const region = document.getElementById("live-status");
  if (region) region.textContent = text;
}

// A status or role as people read it: "IN_TRANSIT" -> "In transit", "dispatcher" -> "Dispatcher".
export function label(value) {
  const text = String(value ?? "").replaceAll("_", " ").toLowerCase();
  return text.charAt(0).toUpperCase() + text.slice(1);
}
