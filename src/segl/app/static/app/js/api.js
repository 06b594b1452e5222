// The app API over fetch, every call signed with a DPoP proof by the user ID's key.
import { dpopProof } from "./keys.js";

export class ApiError extends Error {
  constructor(status, body) {
    super(body.reason || body.error || "error");
    this.status = status;
    this.reason = body.reason || body.error || "unknown";
    this.body = body;
  }
}

const BASE = new URL("api/", new URL(document.querySelector("[data-app-base]").dataset.appBase, location.origin));

// An id from the server (a request, a copy offer) as one path segment, never anything else.
export function segment(id) {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(String(id))) { throw new ApiError(400, { reason: "unknown" }); }
  return encodeURIComponent(id);
}

export async function call(method, path, { body, keyPair, query, signal, cookies, bearer } = {}) {
  const url = new URL(path, BASE);
  const headers = { Accept: "application/json" };
  if (bearer) { headers.Authorization = `Bearer ${bearer}`; }
  if (keyPair) { headers.DPoP = await dpopProof(keyPair, method, url.href); }
  if (body !== undefined) { headers["Content-Type"] = "application/json"; }
  if (query) { url.search = new URLSearchParams(query).toString(); }
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      // Cookies only where the server asks which browser this is (the same-device binding).
      credentials: cookies ? "same-origin" : "omit",
      cache: "no-store",
      signal
    });
  } catch (error) {
    if (error.name === "AbortError") { throw error; }
    throw new ApiError(0, { reason: "network" });
  }
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) { throw new ApiError(response.status, answer); }
  return answer;
}

export async function qrSvg(text, keyPair) {
  const answer = await call("POST", "qr", { body: { text }, keyPair });
  return answer.svg;
}
