// The app's keys: one P-256 key pair per user ID, made here with WebCrypto, the private half
// non-extractable, kept in IndexedDB. Requests carry DPoP proofs (RFC 9449) made with it; an
// approval is a JWS made with it.

const DB = "segl-app";
const STORE = "registrations";

function openDb() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "id" });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function withStore(mode, action) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const result = action(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(result.result ?? result);
    tx.onerror = () => reject(tx.error);
  });
}

export const registrations = {
  all: () => withStore("readonly", (store) => store.getAll()),
  get: (userId) => withStore("readonly", (store) => store.get(userId.trim().toLowerCase())),
  put: (registration) => withStore("readwrite", (store) => store.put(registration)),
  remove: (userId) => withStore("readwrite", (store) => store.delete(userId.trim().toLowerCase()))
};

export function newKeyPair() {
  return crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]);
}

function b64url(bytes) {
  let text = "";
  for (const byte of new Uint8Array(bytes)) { text += String.fromCharCode(byte); }
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const encoder = new TextEncoder();

async function publicJwk(keyPair) {
  const jwk = await crypto.subtle.exportKey("jwk", keyPair.publicKey);
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
}

async function jws(keyPair, header, claims) {
  const input = b64url(encoder.encode(JSON.stringify(header))) + "." +
    b64url(encoder.encode(JSON.stringify(claims)));
  const signature = await crypto.subtle.sign(
    { name: "ECDSA", hash: "SHA-256" }, keyPair.privateKey, encoder.encode(input));
  return input + "." + b64url(signature);
}

function randomId() {
  return b64url(crypto.getRandomValues(new Uint8Array(16)));
}

function now() {
  return Math.floor(Date.now() / 1000);
}

export async function dpopProof(keyPair, method, url) {
  const header = { typ: "dpop+jwt", alg: "ES256", jwk: await publicJwk(keyPair) };
  const target = new URL(url);
  const htu = target.origin + target.pathname;
  return jws(keyPair, header, { jti: randomId(), htm: method, htu, iat: now() });
}

export async function sha256Hex(text) {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

// The approval: this request of this flow, the hash of the text shown here, the channel proof
// the server gave for the binding, and the citizen's decision.
export async function signApproval(keyPair, shown, decision) {
  const claims = {
    request: shown.request,
    flow: shown.flow,
    text_sha256: await sha256Hex(shown.text),
    channel: shown.channel,
    decision,
    iat: now()
  };
  return jws(keyPair, { typ: "segl-approval+jwt", alg: "ES256" }, claims);
}
