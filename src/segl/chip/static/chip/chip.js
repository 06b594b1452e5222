// The chip's pages: "Start" asks segl for a fresh challenge, the browser asks for the chip
// (its own prompt: USB, NFC or Bluetooth), and the chip's answer is posted with the page's form.
// A form with data-chip="get" logs in (navigator.credentials.get), "create" activates
// (navigator.credentials.create). WebAuthn's binary fields travel as base64url, as in the
// JSON form of WebAuthn Level 3, which segl's server reads.
(function () {
  "use strict";

  function fromBase64url(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    var binary = atob(base64 + "===".slice((base64.length + 3) % 4));
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i); }
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) { binary += String.fromCharCode(bytes[i]); }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (item) {
      return { type: item.type, id: fromBase64url(item.id), transports: item.transports };
    });
  }

  // The options segl sent, with the binary fields as the browser wants them.
  function publicKey(options, mode) {
    var key = Object.assign({}, options);
    key.challenge = fromBase64url(options.challenge);
    if (mode === "create") {
      key.user = Object.assign({}, options.user, { id: fromBase64url(options.user.id) });
      key.excludeCredentials = descriptors(options.excludeCredentials);
    } else {
      key.allowCredentials = descriptors(options.allowCredentials);
    }
    return key;
  }

  function answer(credential, mode) {
    var response = credential.response;
    var json = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: toBase64url(response.clientDataJSON) }
    };
    if (mode === "create") {
      json.response.attestationObject = toBase64url(response.attestationObject);
      if (response.getTransports) { json.response.transports = response.getTransports(); }
    } else {
      json.response.authenticatorData = toBase64url(response.authenticatorData);
      json.response.signature = toBase64url(response.signature);
      if (response.userHandle) { json.response.userHandle = toBase64url(response.userHandle); }
    }
    return json;
  }

  function csrfToken(form) {
    var field = form.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  // The challenge and the options: in the page (an activation, begun by the form before), or
  // fresh from segl for each "Start" (a login).
  function options(form) {
    var inline = form.getAttribute("data-options-json");
    if (inline) {
      return Promise.resolve(JSON.parse(document.getElementById(inline).textContent));
    }
    return fetch(form.getAttribute("data-options"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(form), "Accept": "application/json" }
    }).then(function (reply) {
      return reply.json().then(function (body) {
        if (!reply.ok) { throw new Error(body.error || "refused"); }
        return body;
      });
    });
  }

  function setUp(form) {
    var mode = form.getAttribute("data-chip");
    var start = form.querySelector("[data-chip-start]");
    var status = form.querySelector("[data-chip-status]");
    var say = function (name) {
      status.textContent = form.getAttribute("data-" + name);
      status.classList.toggle("chip-status--problem", name !== "connect" && name !== "checking");
    };
    if (!window.PublicKeyCredential || !navigator.credentials) {
      say("unsupported");
      start.disabled = true;
      return;
    }
    start.addEventListener("click", function () {
      start.disabled = true;
      say("connect");
      var challenge = "";
      options(form).then(function (body) {
        challenge = body.challenge;
        var key = publicKey(body.publicKey, mode);
        return mode === "create"
          ? navigator.credentials.create({ publicKey: key })
          : navigator.credentials.get({ publicKey: key });
      }).then(function (credential) {
        form.querySelector("input[name=reply]").value = JSON.stringify({
          challenge: challenge, credential: answer(credential, mode)
        });
        say("checking");
        form.submit();
      }).catch(function (error) {
        // NotAllowedError: cancelled, timed out, or no chip that may answer was connected.
        var name = error && error.name;
        if (name === "NotAllowedError" || name === "AbortError") { say("cancelled"); }
        else if (name === "InvalidStateError") { say(mode === "create" ? "registered" : "failed"); }
        else if (name === "NotSupportedError" || name === "SecurityError") { say("unsupported"); }
        else { say("failed"); }
        start.disabled = false;
        start.focus();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-chip]").forEach(setUp);
  });
})();
