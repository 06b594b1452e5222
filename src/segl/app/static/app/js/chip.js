// The emulated chip of a document file (segl-document/1, made by `segl passport make`): a
// browser cannot read a passport's chip (Web NFC reads only NDEF tags), so in the web app the
// chip is read from the file, and the chip's keys in it answer segl's challenge with WebCrypto,
// as a real chip would (ICAO Doc 9303 Part 11; segl.core.chip_auth on the server):
// Active Authentication with ECDSA (plain r || s) or RSA (ISO/IEC 9796-2 scheme 1, SHA-256,
// trailer 34CC), Chip Authentication with ECDH and an AES-CMAC token over segl's key.
const subtle = crypto.subtle;

export function fromBase64(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

export function toBase64(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)));
}

const fromHex = (hex) => Uint8Array.from(hex.match(/../g) || [], (b) => parseInt(b, 16));
const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) { out.set(part, at); at += part.length; }
  return out;
};

function pemBody(pem) {
  return fromBase64(pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""));
}

// Read a chosen file: its printed code, its data groups and SOD, its keys.
export async function readDocument(file) {
  const data = JSON.parse(await file.text());
  if (data.format !== "segl-document/1" || !data.groups || !data.sod || !data.printed_mrz) {
    throw new Error("not a document file");
  }
  return data;
}

const bigint = (bytes) => BigInt(`0x${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("") || "0"}`);
function bytesOf(value, width) {
  const hex = value.toString(16).padStart(width * 2, "0");
  return fromHex(hex);
}
function modPow(base, exponent, modulus) {
  let result = 1n;
  base %= modulus;
  while (exponent > 0n) {
    if (exponent & 1n) { result = (result * base) % modulus; }
    base = (base * base) % modulus;
    exponent >>= 1n;
  }
  return result;
}
const b64url = (text) => fromBase64(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4));

async function activeAuthentication(pem, challenge) {
  const der = pemBody(pem);
  try {
    const key = await subtle.importKey("pkcs8", der, { name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]);
    return new Uint8Array(await subtle.sign({ name: "ECDSA", hash: "SHA-256" }, key, challenge));
  } catch (error) {
    // Not an EC key: RSA, whose signature gives message recovery (ISO/IEC 9796-2).
  }
  const rsa = await subtle.importKey("pkcs8", der, { name: "RSA-PSS", hash: "SHA-256" }, true, ["sign"]);
  const jwk = await subtle.exportKey("jwk", rsa);
  const n = bigint(b64url(jwk.n));
  const d = bigint(b64url(jwk.d));
  const width = b64url(jwk.n).length;
  const m1 = crypto.getRandomValues(new Uint8Array(width - 1 - 32 - 2));
  const digest = new Uint8Array(await subtle.digest("SHA-256", concat(m1, challenge)));
  const representative = concat(Uint8Array.of(0x6a), m1, digest, Uint8Array.of(0x34, 0xcc));
  const sigma = modPow(bigint(representative), d, n);
  return bytesOf(sigma < n - sigma ? sigma : n - sigma, width);
}

// AES-CMAC (RFC 4493) from single-block AES: CBC with a zero IV over one block is that block
// encrypted (WebCrypto adds a padding block after it, which is dropped).
async function cmac(keyBytes, message) {
  const key = await subtle.importKey("raw", keyBytes, "AES-CBC", false, ["encrypt"]);
  const encrypt = async (block) =>
    new Uint8Array(await subtle.encrypt({ name: "AES-CBC", iv: new Uint8Array(16) }, key, block)).slice(0, 16);
  const double = (block) => {
    const out = new Uint8Array(16);
    for (let i = 0; i < 16; i += 1) { out[i] = ((block[i] << 1) | (i < 15 ? block[i + 1] >> 7 : 0)) & 0xff; }
    if (block[0] & 0x80) { out[15] ^= 0x87; }
    return out;
  };
  const k1 = double(await encrypt(new Uint8Array(16)));
  const k2 = double(k1);
  const blocks = Math.max(1, Math.ceil(message.length / 16));
  const complete = message.length > 0 && message.length % 16 === 0;
  const last = new Uint8Array(16);
  last.set(message.slice((blocks - 1) * 16));
  if (!complete) { last[message.length - (blocks - 1) * 16] = 0x80; }
  const subkey = complete ? k1 : k2;
  let x = new Uint8Array(16);
  for (let i = 0; i < blocks - 1; i += 1) {
    const block = message.slice(i * 16, i * 16 + 16);
    x = await encrypt(x.map((b, j) => b ^ block[j]));
  }
  return encrypt(x.map((b, j) => b ^ last[j] ^ subkey[j]));
}

async function chipAuthentication(pem, ephemeralHex) {
  const ephemeral = fromHex(ephemeralHex);
  const own = await subtle.importKey("pkcs8", pemBody(pem), { name: "ECDH", namedCurve: "P-256" }, false, ["deriveBits"]);
  const theirs = await subtle.importKey("raw", ephemeral, { name: "ECDH", namedCurve: "P-256" }, false, []);
  const secret = new Uint8Array(await subtle.deriveBits({ name: "ECDH", public: theirs }, own, 256));
  const macKey = new Uint8Array(await subtle.digest("SHA-1", concat(secret, Uint8Array.of(0, 0, 0, 2)))).slice(0, 16);
  return (await cmac(macKey, ephemeral)).slice(0, 8);
}

// The chip's answer to what segl asked (the answer to POST chip).
export async function answer(document, asked) {
  if (asked.check === "active_authentication") {
    return { aa_signature: toBase64(await activeAuthentication(document.aa_key, fromHex(asked.challenge))) };
  }
  if (asked.check === "chip_authentication") {
    return { ca_token: toBase64(await chipAuthentication(document.ca_key, asked.ephemeral_key)) };
  }
  return {};
}
