// The emulated chip of a document file (segl-document/1, made by `segl passport make`): a
// browser cannot read a passport's chip (Web NFC reads only NDEF tags), so in the web app the
// chip is read from the file, and the chip's keys in it answer segl's challenge with WebCrypto,
// as a real chip would (ICAO Doc 9303 Part 11; segl.core.chip_auth on the server):
// Active Authentication with ECDSA (plain r || s) or RSA (ISO/IEC 9796-2 scheme 1, SHA-256,
// trailer 34CC), Chip Authentication with ECDH and then secure messaging (AES-CBC, AES-CMAC).
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

// ISO/IEC 9797-1 padding method 2, to whole AES blocks.
function pad(data) {
  const out = new Uint8Array(Math.ceil((data.length + 1) / 16) * 16);
  out.set(data);
  out[data.length] = 0x80;
  return out;
}

const counter = (n) => { const c = new Uint8Array(16); c[15] = n; return c; };
const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

// Chip Authentication: agree keys with segl's ephemeral key, then answer segl's protected
// READ BINARY in secure messaging (ICAO Doc 9303 Part 11 §9.8, AES): what the chip does.
async function chipAuthentication(document, ephemeralHex, commandHex) {
  const ephemeral = fromHex(ephemeralHex);
  const command = fromHex(commandHex);
  const own = await subtle.importKey("pkcs8", pemBody(document.ca_key), { name: "ECDH", namedCurve: "P-256" }, false, ["deriveBits"]);
  const theirs = await subtle.importKey("raw", ephemeral, { name: "ECDH", namedCurve: "P-256" }, false, []);
  const secret = new Uint8Array(await subtle.deriveBits({ name: "ECDH", public: theirs }, own, 256));
  const derive = async (n) => new Uint8Array(await subtle.digest("SHA-1", concat(secret, Uint8Array.of(0, 0, 0, n)))).slice(0, 16);
  const kEnc = await derive(1);
  const kMac = await derive(2);
  const mac = async (ssc, message) => (await cmac(kMac, pad(concat(counter(ssc), message)))).slice(0, 8);
  const header = command.slice(0, 4);
  const le = command.slice(5, 8);
  const given = command.slice(8, 18);
  const wellFormed = command.length === 19 && command[0] === 0x0c && command[1] === 0xb0 &&
    (command[2] & 0x80) && le[0] === 0x97 && given[0] === 0x8e;
  if (!wellFormed || !equal(given.slice(2), await mac(1, concat(pad(header), le)))) {
    return Uint8Array.of(0x69, 0x88); // incorrect secure messaging data objects
  }
  const group = document.groups[String(command[2] & 0x1f)];
  if (!group) { return Uint8Array.of(0x6a, 0x82); } // file not found
  const key = await subtle.importKey("raw", kEnc, "AES-CBC", false, ["encrypt"]);
  const zero = new Uint8Array(16);
  const iv = new Uint8Array(await subtle.encrypt({ name: "AES-CBC", iv: zero }, key, counter(2))).slice(0, 16);
  const plain = pad(fromBase64(group).slice(0, le[2]));
  // WebCrypto adds a padding block of its own after the data, which is dropped.
  const encrypted = new Uint8Array(await subtle.encrypt({ name: "AES-CBC", iv }, key, plain)).slice(0, plain.length);
  const do87 = concat(Uint8Array.of(0x87, encrypted.length + 1, 0x01), encrypted);
  const status = Uint8Array.of(0x99, 0x02, 0x90, 0x00);
  return concat(do87, status, Uint8Array.of(0x8e, 0x08), await mac(2, concat(do87, status)), Uint8Array.of(0x90, 0x00));
}

// The chip's answer to what segl asked (the answer to POST chip).
export async function answer(document, asked) {
  if (asked.check === "active_authentication") {
    return { aa_signature: toBase64(await activeAuthentication(document.aa_key, fromHex(asked.challenge))) };
  }
  if (asked.check === "chip_authentication") {
    return { ca_response: toBase64(await chipAuthentication(document, asked.ephemeral_key, asked.command)) };
  }
  return {};
}
