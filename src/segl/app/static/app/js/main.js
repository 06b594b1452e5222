// The segl app: activate, unlock, approve logins, settings, copy to a new phone.
// Plain ES modules, no build step. Every screen is a form with labels, hints and an error
// summary (GOV.UK patterns), and focus moves to its heading so screen readers announce it.
import { ApiError, call, qrSvg, segment } from "./api.js";
import { approveHtml, wireApprove } from "./approve.js";
import { esc } from "./html.js";
import { LANG, errorText, formatTime, t } from "./i18n.js";
import { newKeyPair, registrations, signApproval } from "./keys.js";
import { scanCamera, scanPicture } from "./scan.js";

const root = document.getElementById("app");
const STATIC = document.querySelector("[data-app-base]").dataset.static;
let leaving = new AbortController(); // aborts long-polls and the camera when the screen changes

// -- rendering helpers ----------------------------------------------------------------------

function show(html) {
  leaving.abort();
  leaving = new AbortController();
  root.innerHTML = html;
  const heading = root.querySelector("h1");
  if (heading) { heading.tabIndex = -1; heading.focus(); }
  const summary = root.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }
}

function errorSummary(errors) {
  if (!errors.length) { return ""; }
  const items = errors.map((e) => e.field
    ? `<li><a href="#${esc(e.field)}" data-focus="${esc(e.field)}">${esc(e.text)}</a></li>`
    : `<li>${esc(e.text)}</li>`).join("");
  return `<div class="error-summary" role="alert" tabindex="-1" data-error-summary>
    <h2 class="error-summary__title">${esc(t("error_title"))}</h2>
    <ul class="error-summary__list">${items}</ul></div>`;
}

function field({ name, label, hint, error, type = "text", inputmode, autocomplete = "off",
  value = "", width = "", pattern }) {
  const describedBy = [hint ? `${name}-hint` : "", error ? `${name}-error` : ""].filter(Boolean);
  return `<div class="form-group${error ? " form-group--error" : ""}">
    <label class="label" for="${name}">${esc(label)}</label>
    ${hint ? `<p class="hint" id="${name}-hint">${esc(hint)}</p>` : ""}
    ${error ? `<p class="error-message" id="${name}-error"><span class="visually-hidden">${esc(t("error_title"))}:</span> ${esc(error)}</p>` : ""}
    <input class="input ${width}" id="${name}" name="${name}" type="${type}"
      ${inputmode ? `inputmode="${inputmode}"` : ""} ${pattern ? `pattern="${pattern}"` : ""}
      autocomplete="${autocomplete}" spellcheck="false" value="${esc(value)}"
      ${describedBy.length ? `aria-describedby="${describedBy.join(" ")}"` : ""}
      ${error ? 'aria-invalid="true"' : ""}>
  </div>`;
}

function page(title, body, { back } = {}) {
  return `${back ? `<p><a href="${back}" class="back-link">${esc(t("back"))}</a></p>` : ""}
    <div class="panel"><h1>${esc(title)}</h1>${body}</div>`;
}

function form(onSubmit) {
  const element = root.querySelector("form[data-form]");
  element.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(element).entries());
    element.classList.add("is-connecting");
    element.querySelectorAll("button").forEach((b) => { b.disabled = true; });
    try {
      await onSubmit(data, event.submitter);
    } finally {
      element.classList.remove("is-connecting");
      element.querySelectorAll("button").forEach((b) => { b.disabled = false; });
    }
  });
}

root.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-focus]");
  if (!link) { return; }
  event.preventDefault();
  const target = document.getElementById(link.dataset.focus);
  if (target) { target.focus(); }
});

function reasonText(error) {
  if (error instanceof ApiError) {
    return errorText(error.reason, { remaining: error.body.remaining });
  }
  return errorText("unknown");
}

function go(hash) {
  if (location.hash === hash) { route(); } else { location.hash = hash; }
}

function shield(title, body, extra = "") {
  return `<div class="panel done">
    <img src="${STATIC}segl/tick.svg" alt="" width="96" height="96">
    <h1>${esc(title)}</h1>${body ? `<p>${esc(body)}</p>` : ""}${extra}</div>`;
}

// -- state ----------------------------------------------------------------------------------

const session = {
  pendingKey: null,      // the key being activated, until the server has it
  activation: null,      // activation id in progress
  activationUserId: "",
  copy: null,            // copy offer on the old app
  same: null             // {request, device} from the login page on this device
};

async function registration(userId) {
  const found = await registrations.get(userId);
  if (!found) { go("#"); throw new Error("unknown user ID"); }
  return found;
}

// -- screens --------------------------------------------------------------------------------

async function home() {
  const all = await registrations.all();
  if (!all.length) { return welcome(); }
  const items = all.map((r) => `<li class="id-list__item">
      <a class="button" href="#unlock/${encodeURIComponent(r.userId)}">${esc(t("open_id", { user_id: r.userId }))}</a>
      <a href="#settings/${encodeURIComponent(r.userId)}">${esc(t("settings_for", { user_id: r.userId }))}</a>
    </li>`).join("");
  show(page(t("your_ids"), `<p class="hint">${esc(t("household_hint"))}</p>
    <ul class="id-list">${items}</ul>
    <p><a href="#welcome">${esc(t("add_id"))}</a></p>`));
}

function welcome() {
  show(page(t("welcome_title"), `<p>${esc(t("welcome_body"))}</p>
    <p><a class="button" href="#activate">${esc(t("with_code"))}</a></p>
    <p><a class="button button--secondary" href="#copy-new">${esc(t("copy_from_old"))}</a></p>`));
}

function activateStart(errors = [], values = {}) {
  const fieldError = (name) => errors.find((e) => e.field === name)?.text;
  show(page(t("welcome_title"), `${errorSummary(errors)}
    <form data-form novalidate>
      ${field({ name: "user_id", label: t("user_id"), hint: t("user_id_hint"), error: fieldError("user_id"), autocomplete: "username", value: values.user_id })}
      ${field({ name: "activation_code", label: t("activation_code"), hint: t("activation_code_hint"), error: fieldError("activation_code"), value: values.activation_code })}
      <button class="button" type="submit">${esc(t("continue"))}</button>
    </form>`, { back: "#" }));
  form(async (data) => {
    try {
      const answer = await call("POST", "activation/start", { body: data });
      session.activation = answer.activation;
      session.activationUserId = data.user_id.trim();
      session.pendingKey = null;
      go("#create-pin");
    } catch (error) {
      activateStart([{ field: "activation_code", text: reasonText(error) }], data);
    }
  });
}

function createPin(errors = []) {
  if (!session.activation) { return go("#"); }
  const fieldError = (name) => errors.find((e) => e.field === name)?.text;
  show(page(t("create_pin_title"), `${errorSummary(errors)}
    <form data-form novalidate>
      ${field({ name: "temporary_pin", label: t("temporary_pin"), hint: t("temporary_pin_hint"), error: fieldError("temporary_pin"), inputmode: "numeric", autocomplete: "one-time-code", width: "input--short" })}
      ${field({ name: "pin", label: t("new_pin"), hint: t("new_pin_hint"), error: fieldError("pin"), type: "password", inputmode: "numeric", autocomplete: "new-password", width: "input--short" })}
      ${field({ name: "pin_again", label: t("repeat_pin"), error: fieldError("pin_again"), type: "password", inputmode: "numeric", autocomplete: "new-password", width: "input--short" })}
      <button class="button" type="submit">${esc(t("continue"))}</button>
    </form>`));
  form(async (data) => {
    if (data.pin !== data.pin_again) {
      return createPin([{ field: "pin_again", text: t("pins_differ") }]);
    }
    session.pendingKey = session.pendingKey || await newKeyPair();
    try {
      const answer = await call("POST", "activation/finish", {
        body: {
          activation: session.activation,
          temporary_pin: data.temporary_pin.trim(),
          pin: data.pin,
          name: t("app_name"),
          notifications: false
        },
        keyPair: session.pendingKey
      });
      const reg = {
        id: answer.user_id.toLowerCase(), userId: answer.user_id, keyPair: session.pendingKey
      };
      await registrations.put(reg);
      session.activation = null;
      session.pendingKey = null;
      // Unlocked by the PIN just chosen, so that biometrics can be set up next.
      await call("POST", "unlock", { body: { pin: data.pin }, keyPair: reg.keyPair });
      go(await biometricsAvailable()
        ? `#biometrics/${encodeURIComponent(answer.user_id)}`
        : `#notifications/${encodeURIComponent(answer.user_id)}`);
    } catch (error) {
      const name = error.reason === "temporary_pin_wrong" ? "temporary_pin" : "pin";
      if (error.reason === "activation_expired") { session.activation = null; }
      createPin([{ field: name, text: reasonText(error) }]);
    }
  });
}

async function biometricsAvailable() {
  return Boolean(window.PublicKeyCredential && PublicKeyCredential.parseCreationOptionsFromJSON &&
    await PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable().catch(() => false));
}

async function biometrics(userId, errors = []) {
  const reg = await registration(userId);
  show(page(t("biometrics_title"), `${errorSummary(errors)}<p>${esc(t("biometrics_body"))}</p>
    <form data-form>
      <button class="button" type="submit" name="answer" value="use">${esc(t("use_biometrics"))}</button>
      <button class="button button--secondary" type="submit" name="answer" value="later">${esc(t("not_now"))}</button>
    </form>`));
  form(async (_data, submitter) => {
    if (!submitter || submitter.value !== "use") {
      return go(`#notifications/${encodeURIComponent(reg.userId)}`);
    }
    try {
      const begun = await call("POST", "biometrics/register", { keyPair: reg.keyPair });
      const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(begun.options);
      const credential = await navigator.credentials.create({ publicKey });
      await call("POST", "biometrics/register/finish",
        { body: { credential: credential.toJSON() }, keyPair: reg.keyPair });
      await registrations.put({ ...reg, biometrics: true });
      go(`#notifications/${encodeURIComponent(reg.userId)}`);
    } catch (error) {
      biometrics(userId, [{ text: error instanceof ApiError ? reasonText(error) : t("biometrics_failed") }]);
    }
  });
}

async function unlockWithBiometrics(reg, next, userId) {
  try {
    const begun = await call("POST", "unlock/biometrics", { keyPair: reg.keyPair });
    const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(begun.options);
    const credential = await navigator.credentials.get({ publicKey });
    await call("POST", "unlock/biometrics/finish",
      { body: { credential: credential.toJSON() }, keyPair: reg.keyPair });
    go(next || `#wait/${encodeURIComponent(reg.userId)}`);
  } catch (error) {
    unlock(userId, next, [{ text: error instanceof ApiError ? reasonText(error) : t("biometrics_failed") }]);
  }
}

function notifications(userId) {
  show(page(t("notifications_title"), `<p>${esc(t("notifications_body"))}</p>
    <form data-form>
      <button class="button" type="submit" name="answer" value="allow">${esc(t("allow_notifications"))}</button>
      <button class="button button--secondary" type="submit" name="answer" value="later">${esc(t("not_now"))}</button>
    </form>`));
  form(async (_data, submitter) => {
    if (submitter && submitter.value === "allow" && "Notification" in window) {
      await Notification.requestPermission().catch(() => "denied");
    }
    show(shield(t("activated_title"), t("activated_body"),
      `<p><a class="button" href="#unlock/${encodeURIComponent(userId)}">${esc(t("ok"))}</a></p>`));
  });
}

async function unlock(userId, next, errors = []) {
  const reg = await registration(userId);
  const fieldError = errors.find((e) => e.field === "pin")?.text;
  show(page(t("unlock_title"), `${errorSummary(errors)}
    <p class="id-name">${esc(reg.userId)}</p>
    <form data-form novalidate>
      ${field({ name: "pin", label: t("new_pin"), hint: t("unlock_hint"), error: fieldError, type: "password", inputmode: "numeric", autocomplete: "current-password", width: "input--short" })}
      <button class="button" type="submit">${esc(t("unlock"))}</button>
    </form>
    ${reg.biometrics ? `<p><button class="button button--secondary" type="button" data-biometrics>${esc(t("use_biometrics"))}</button></p>` : ""}`,
  { back: "#" }));
  const bio = root.querySelector("[data-biometrics]");
  if (bio) { bio.addEventListener("click", () => unlockWithBiometrics(reg, next, userId)); }
  form(async (data) => {
    try {
      await call("POST", "unlock", { body: { pin: data.pin }, keyPair: reg.keyPair });
      go(next || `#wait/${encodeURIComponent(reg.userId)}`);
    } catch (error) {
      unlock(userId, next, [{ field: "pin", text: reasonText(error) }]);
    }
  });
}

async function wait(userId) {
  const reg = await registration(userId);
  show(page(t("waiting_title"), `<p>${esc(t("waiting_body"))}</p>
    <div class="spinner spinner--visible" aria-hidden="true"></div>
    <p role="status">${esc(t("waiting_status"))}</p>
    <p><a href="#settings/${encodeURIComponent(reg.userId)}">${esc(t("settings_title"))}</a></p>`,
  { back: "#" }));
  const signal = leaving.signal;
  while (!signal.aborted) {
    try {
      const answer = await call("GET", "requests/pending",
        { keyPair: reg.keyPair, query: { wait: 25 }, signal });
      if (answer.request) {
        const where = answer.request.mode === "code" ? "code" : "scan";
        return go(`#${where}/${encodeURIComponent(reg.userId)}/${answer.request.id}`);
      }
    } catch (error) {
      if (signal.aborted) { return; }
      if (error.reason === "unlock_needed" || error.status === 403) {
        return go(`#unlock/${encodeURIComponent(reg.userId)}`);
      }
      await new Promise((resolve) => window.setTimeout(resolve, 2000));
    }
  }
}

async function bindAndReview(reg, requestId, binding, onError) {
  try {
    const shown = await call("POST", `requests/${segment(requestId)}/bind`,
      { body: binding, keyPair: reg.keyPair, cookies: "device" in binding });
    review(reg, shown);
  } catch (error) {
    if (error.reason === "unlock_needed") {
      return go(`#unlock/${encodeURIComponent(reg.userId)}`);
    }
    onError(reasonText(error), error);
  }
}

// The QR reader shared by login scans and copy scans: the camera, or a picture for those who
// cannot hold the phone up to a screen.
function scannerHtml() {
  return `<div class="camera"><video muted playsinline aria-hidden="true"></video></div>
    <p><button class="button" type="button" data-camera>${esc(t("scan_camera"))}</button></p>
    <form data-form novalidate>
      <div class="form-group">
        <label class="label" for="picture">${esc(t("scan_picture"))}</label>
        <p class="hint" id="picture-hint">${esc(t("scan_picture_hint"))}</p>
        <input class="file" id="picture" name="picture" type="file" accept="image/*" aria-describedby="picture-hint">
      </div>
    </form>`;
}

function wireScanner(found, showErrors) {
  const signal = leaving.signal;
  root.querySelector("[data-camera]").addEventListener("click", async () => {
    try {
      root.querySelector(".camera").classList.add("is-on");
      await scanCamera(root.querySelector("video"), found, signal);
    } catch (error) {
      showErrors([{ text: t("camera_unavailable") }]);
    }
  });
  root.querySelector("#picture").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    if (!file) { return; }
    const text = await scanPicture(file).catch(() => null);
    if (text) { found(text); } else { showErrors([{ field: "picture", text: t("scan_failed") }]); }
  });
}

async function scan(userId, requestId, errors = []) {
  const reg = await registration(userId);
  show(page(t("scan_title"), `${errorSummary(errors)}
    <p>${esc(t("scan_body"))}</p>
    ${scannerHtml()}`, { back: "#" }));
  const onError = (text) => scan(userId, requestId, [{ text }]);
  wireScanner((text) => bindAndReview(reg, requestId, { qr: text }, onError),
    (errors) => scan(userId, requestId, errors));
}

async function code(userId, requestId, errors = []) {
  const reg = await registration(userId);
  const fieldError = errors.find((e) => e.field === "code")?.text;
  show(page(t("code_title"), `${errorSummary(errors)}
    <form data-form novalidate>
      ${field({ name: "code", label: t("code_label"), hint: t("code_hint"), error: fieldError, inputmode: "numeric", autocomplete: "one-time-code", width: "input--short" })}
      <button class="button" type="submit">${esc(t("next"))}</button>
    </form>`, { back: "#" }));
  form(async (data) => {
    await bindAndReview(reg, requestId, { code: data.code }, (text, error) => {
      if (error && (error.reason === "request_cancelled" || error.status === 410)) {
        show(page(t("rejected_title"), `<p>${esc(text)}</p><p><a class="button" href="#">${esc(t("ok"))}</a></p>`));
      } else {
        code(userId, requestId, [{ field: "code", text }]);
      }
    });
  });
}

const ACTIONS = {
  en: { log_on: "log on", approve: "approve", confirm: "confirm", accept: "accept", sign: "sign" },
  da: { log_on: "logge på", approve: "godkende", confirm: "bekræfte", accept: "acceptere", sign: "underskrive" }
};

function review(reg, shown, errors = []) {
  show(page(t("review_title"), `${errorSummary(errors)}
    <p class="rp-name">${esc(t("review_from", { rp: shown.rp_name }))} ${esc(ACTIONS[LANG][shown.action] || shown.action)}</p>
    ${shown.text ? `<blockquote class="approval-text" lang="">${esc(shown.text)}</blockquote>` : ""}
    <p class="hint">${esc(t("review_read"))}</p>
    ${approveHtml(shown.rp_name)}
    <div class="button-row">
      <button class="button button--secondary" type="button" data-decision="reject">${esc(t("reject"))}</button>
      <button class="button button--warning" type="button" data-decision="fraud">${esc(t("not_me"))}</button>
    </div>`));
  const decide = async (decision) => {
    root.querySelectorAll("button").forEach((b) => { b.disabled = true; });
    try {
      const signed = await signApproval(reg.keyPair, shown, decision);
      await call("POST", `requests/${segment(shown.request)}/answer`,
        { body: { approval: signed }, keyPair: reg.keyPair });
      answered(shown, decision);
    } catch (error) {
      review(reg, shown, [{ text: reasonText(error) }]);
    }
  };
  root.querySelectorAll("[data-decision]").forEach((button) =>
    button.addEventListener("click", () => decide(button.dataset.decision)));
  wireApprove(root, () => decide("approve"));
}

function answered(shown, decision) {
  const back = shown.return_url
    ? `<p><a class="button" href="${esc(shown.return_url)}">${esc(t("return_to_browser"))}</a></p>`
    : `<p><a class="button" href="#">${esc(t("ok"))}</a></p>`;
  if (decision === "approve") {
    show(shield(t("approved_title"), "", back));
    // Same device: back to the browser by itself after a moment (seed 004).
    if (shown.return_url) { window.setTimeout(() => location.assign(shown.return_url), 1200); }
  } else if (decision === "fraud") {
    show(page(t("fraud_title"), `<p>${esc(t("fraud_body"))}</p>${back}`));
  } else {
    show(page(t("rejected_title"), back));
  }
}

async function sameDevice(requestId, device) {
  // Opened from the login page on this device (seed 004).
  const all = await registrations.all();
  if (!all.length) { return welcome(); }
  session.same = { request: requestId, device };
  if (all.length === 1) { return go(`#unlock/${encodeURIComponent(all[0].userId)}/same`); }
  show(page(t("your_ids"), `<ul class="id-list">${all.map((r) =>
    `<li class="id-list__item"><a class="button" href="#unlock/${encodeURIComponent(r.userId)}/same">${esc(t("open_id", { user_id: r.userId }))}</a></li>`).join("")}</ul>`));
}

async function sameDeviceBind(userId) {
  const reg = await registration(userId);
  if (!session.same) { return go(`#wait/${encodeURIComponent(userId)}`); }
  const { request, device } = session.same;
  session.same = null;
  await bindAndReview(reg, request, { device }, (text) =>
    show(page(t("rejected_title"), `<p>${esc(text)}</p><p><a class="button" href="#">${esc(t("ok"))}</a></p>`)));
}

async function settings(userId, errors = []) {
  const reg = await registration(userId);
  let me;
  try {
    me = await call("GET", "me", { keyPair: reg.keyPair });
  } catch (error) {
    return show(page(t("settings_title"), errorSummary([{ text: reasonText(error) }]), { back: "#" }));
  }
  const pending = me.pending_change;
  const due = pending && pending.due;
  const pendingText = pending
    ? `<div class="notice" role="status"><p>${esc(due ? t("change_due") : t("change_pending", { when: formatTime(pending.effective_at) }))}</p>
        <form data-change>
          ${due ? `<button class="button" type="submit" name="change" value="confirm">${esc(t("confirm_change"))}</button>` : ""}
          <button class="button button--secondary" type="submit" name="change" value="cancel">${esc(t("cancel_change"))}</button>
        </form></div>`
    : "";
  const radio = (value, label) => `<div class="radio">
      <input type="radio" id="mode-${value}" name="mode" value="${value}" ${me.approval_mode === value ? "checked" : ""}>
      <label for="mode-${value}">${esc(label)}</label></div>`;
  show(page(t("settings_for", { user_id: reg.userId }), `${errorSummary(errors)}
    ${pendingText}
    <form data-form novalidate>
      <fieldset class="fieldset">
        <legend class="label">${esc(t("approve_with"))}</legend>
        ${radio("qr", t("approve_with_qr"))}${radio("code", t("approve_with_codes"))}
      </fieldset>
      <button class="button" type="submit">${esc(t("save"))}</button>
    </form>
    <h2>${esc(t("copy_title"))}</h2>
    <p><a class="button button--secondary" href="#copy-old/${encodeURIComponent(reg.userId)}">${esc(t("copy_offer"))}</a></p>
    <p><button class="link-button" type="button" data-remove>${esc(t("remove_id", { user_id: reg.userId }))}</button></p>`,
  { back: "#" }));
  const needUnlock = (error) => ["unlock_needed", "pin_needed"].includes(error.reason) &&
    (go(`#unlock/${encodeURIComponent(reg.userId)}/settings`), true);
  form(async (data) => {
    try {
      await call("POST", "settings/approval-mode", { body: { mode: data.mode }, keyPair: reg.keyPair });
      settings(userId);
    } catch (error) {
      if (!needUnlock(error)) { settings(userId, [{ text: reasonText(error) }]); }
    }
  });
  const change = root.querySelector("form[data-change]");
  if (change) {
    change.addEventListener("submit", async (event) => {
      event.preventDefault();
      const confirm = event.submitter && event.submitter.value === "confirm";
      try {
        if (confirm) {
          await call("POST", "settings/approval-mode/confirm", { keyPair: reg.keyPair });
        } else {
          await call("POST", "settings/approval-mode", { body: { mode: "qr" }, keyPair: reg.keyPair });
        }
        settings(userId);
      } catch (error) {
        if (!needUnlock(error)) { settings(userId, [{ text: reasonText(error) }]); }
      }
    });
  }
  root.querySelector("[data-remove]").addEventListener("click", async () => {
    try {
      await call("POST", "retire", { keyPair: reg.keyPair });
    } catch (error) {
      if (error.reason === "unlock_needed") {
        return go(`#unlock/${encodeURIComponent(reg.userId)}/settings`);
      }
      // Locked, retired or unknown to segl already: nothing left to undo there.
      if (error.status !== 401 && error.status !== 403) {
        return settings(userId, [{ text: reasonText(error) }]);
      }
    }
    await registrations.remove(reg.userId);
    go("#");
  });
}

async function copyOld(userId, errors = []) {
  const reg = await registration(userId);
  let offer = session.copy;
  if (!offer || new Date(offer.expires_at) <= new Date()) {
    try {
      offer = session.copy = await call("POST", "copy", { keyPair: reg.keyPair });
      offer.svg = await qrSvg(offer.qr, reg.keyPair);
    } catch (error) {
      if (error.reason === "unlock_needed" || error.reason === "pin_needed") {
        return go(`#unlock/${encodeURIComponent(reg.userId)}/copy`);
      }
      return show(page(t("copy_title"), errorSummary([{ text: reasonText(error) }]), { back: "#" }));
    }
  }
  const fieldError = errors.find((e) => e.field === "code")?.text;
  show(page(t("copy_title"), `${errorSummary(errors)}
    <figure class="qr"><img src="data:image/svg+xml;base64,${btoa(offer.svg)}" alt="${esc(t("copy_qr_alt"))}" width="252" height="252"></figure>
    <p>${esc(t("copy_valid_until", { when: formatTime(offer.expires_at) }))}</p>
    <p role="status" data-copy-status>${esc(t("copy_waiting"))}</p>
    <form data-form novalidate>
      ${field({ name: "code", label: t("copy_enter_code"), error: fieldError, inputmode: "numeric", autocomplete: "off", width: "input--short" })}
      <button class="button" type="submit">${esc(t("continue"))}</button>
    </form>`, { back: `#settings/${encodeURIComponent(reg.userId)}` }));
  form(async (data) => {
    try {
      await call("POST", `copy/${segment(offer.copy)}/confirm`, { body: { code: data.code }, keyPair: reg.keyPair });
      copyWaitDone(reg, offer);
    } catch (error) {
      if (error.reason === "copy_expired") { session.copy = null; }
      copyOld(userId, [{ field: "code", text: reasonText(error) }]);
    }
  });
}

async function copyWaitDone(reg, offer) {
  show(page(t("copy_title"), `<div class="spinner spinner--visible" aria-hidden="true"></div>
    <p role="status">${esc(t("copy_waiting"))}</p>`));
  const signal = leaving.signal;
  while (!signal.aborted) {
    const status = await call("GET", `copy/${segment(offer.copy)}`, { keyPair: reg.keyPair }).catch(() => null);
    if (status && status.state === "completed") {
      session.copy = null;
      return show(shield(t("copy_done"), "", `<p><a class="button" href="#">${esc(t("ok"))}</a></p>`));
    }
    await new Promise((resolve) => window.setTimeout(resolve, 1000));
  }
}

function copyNew(errors = []) {
  show(page(t("copy_new_title"), `${errorSummary(errors)}
    <p>${esc(t("copy_new_body"))}</p>
    ${scannerHtml()}`, { back: "#" }));
  const found = async (text) => {
    session.pendingKey = session.pendingKey || await newKeyPair();
    try {
      const answer = await call("POST", "copy/scan", { body: { qr: text }, keyPair: session.pendingKey });
      copyShowCode(answer.code);
    } catch (error) {
      copyNew([{ text: reasonText(error) }]);
    }
  };
  wireScanner(found, copyNew);
}

function copyShowCode(proximity, errors = []) {
  const fieldError = errors.find((e) => e.field === "user_id")?.text;
  show(page(t("copy_new_title"), `${errorSummary(errors)}
    <p class="label" id="proximity-label">${esc(t("copy_show_code"))}</p>
    <p class="one-time-code" aria-labelledby="proximity-label" data-proximity>${esc(proximity)}</p>
    <form data-form novalidate>
      ${field({ name: "user_id", label: t("user_id"), hint: t("user_id_hint"), error: fieldError, autocomplete: "username" })}
      <button class="button" type="submit">${esc(t("copy_code_entered"))}</button>
    </form>`));
  form(async (data) => {
    try {
      const answer = await call("POST", "copy/finish", { body: { user_id: data.user_id }, keyPair: session.pendingKey });
      session.activation = answer.activation;
      session.activationUserId = data.user_id.trim();
      go("#create-pin");
    } catch (error) {
      copyShowCode(proximity, [{ field: "user_id", text: reasonText(error) }]);
    }
  });
}

// -- routing --------------------------------------------------------------------------------

async function route() {
  const parts = location.hash.replace(/^#/, "").split("/").map(decodeURIComponent);
  const [name, a, b] = parts;
  // Request ids and tokens come from links: anything but an id goes nowhere near the API.
  const id = /^[A-Za-z0-9_-]{1,64}$/;
  if (["scan", "code", "approve"].includes(name) && !(id.test(b || "") && (name !== "approve" || id.test(a || "")))) {
    return home();
  }
  try {
    switch (name) {
      case "": return await home();
      case "welcome": return welcome();
      case "activate": return activateStart();
      case "create-pin": return createPin();
      case "biometrics": return await biometrics(a);
      case "notifications": return notifications(a);
      case "unlock": {
        const next = b === "same" ? `#same/${encodeURIComponent(a)}`
          : b === "copy" ? `#copy-old/${encodeURIComponent(a)}`
            : b === "settings" ? `#settings/${encodeURIComponent(a)}` : undefined;
        return await unlock(a, next);
      }
      case "wait": return await wait(a);
      case "scan": return await scan(a, b);
      case "code": return await code(a, b);
      case "approve": return await sameDevice(a, b);
      case "same": return await sameDeviceBind(a);
      case "settings": return await settings(a);
      case "copy-old": return await copyOld(a);
      case "copy-new": return copyNew();
      default: return await home();
    }
  } catch (error) {
    if (error.message !== "unknown user ID") { throw error; }
  }
}

window.addEventListener("hashchange", route);
route();

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register(document.querySelector("[data-app-base]").dataset.worker,
    { scope: document.querySelector("[data-app-base]").dataset.appBase }).catch(() => {});
}
