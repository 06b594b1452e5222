// A chip (a FIDO2 security key) registered from the app after a proofing: the options segl sent
// go to navigator.credentials.create, and the chip's answer goes back. WebAuthn's binary fields
// travel as base64url, as in WebAuthn Level 3's JSON form, which segl's server reads.
const fromBase64url = (text) => Uint8Array.from(
  atob(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4)),
  (c) => c.charCodeAt(0));

const toBase64url = (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer)))
  .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

export function securityKeysAvailable() {
  return Boolean(window.PublicKeyCredential && navigator.credentials);
}

export async function registerSecurityKey(options) {
  const publicKey = {
    ...options,
    challenge: fromBase64url(options.challenge),
    user: { ...options.user, id: fromBase64url(options.user.id) },
    excludeCredentials: (options.excludeCredentials || []).map((c) => ({ ...c, id: fromBase64url(c.id) }))
  };
  const credential = await navigator.credentials.create({ publicKey });
  const response = credential.response;
  return {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    clientExtensionResults: credential.getClientExtensionResults(),
    response: {
      clientDataJSON: toBase64url(response.clientDataJSON),
      attestationObject: toBase64url(response.attestationObject),
      transports: response.getTransports ? response.getTransports() : []
    }
  };
}
