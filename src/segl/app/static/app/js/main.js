// The segl app: activate, unlock, approve logins, settings, copy to a new phone.
// Plain ES modules, no build step. Every screen is a form with labels, hints and an error
// summary (GOV.UK patterns), and focus moves to its heading so screen readers announce it.
// Screens are built from elements (dom.js), never from markup, and the words come from segl's
// message catalogue (i18n.js).
import { ApiError, call, qrSvg, segment } from "./api.js";
import { approveControls, wireApprove } from "./approve.js";
import { h } from "./dom.js";
import { LANG, errorText, fill, formatTime, gettext, pgettext } from "./i18n.js";
import { newKeyPair, registrations, signApproval } from "./keys.js";
import { scanCamera, scanPicture } from "./scan.js";

const root = document.getElementById("app");
const STATIC = root.dataset.static;
let leaving = new AbortController(); // aborts long-polls and the camera when the screen changes

// -- rendering helpers ----------------------------------------------------------------------

function show(...nodes) {
  leaving.abort();
  leaving = new AbortController();
  root.replaceChildren(...nodes.flat(Infinity).filter(Boolean));
  const heading = root.querySelector("h1");
  if (heading) { heading.tabIndex = -1; heading.focus(); }
  const summary = root.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }
}

const problemTitle = () => gettext("There is a problem");

function errorSummary(errors) {
  if (!errors.length) { return null; }
  return h("div", { class: "error-summary", role: "alert", tabindex: "-1", "data-error-summary": true },
    h("h2", { class: "error-summary__title" }, problemTitle()),
    h("ul", { class: "error-summary__list" }, errors.map((e) => h("li", {}, e.field
      ? h("a", { href: `#${e.field}`, "data-focus": e.field }, e.text)
      : e.text))));
}

function field({ name, label, hint, error, type = "text", inputmode, autocomplete = "off",
  value, width = "" }) {
  const describedBy = [hint ? `${name}-hint` : "", error ? `${name}-error` : ""].filter(Boolean);
  return h("div", { class: error ? "form-group form-group--error" : "form-group" },
    h("label", { class: "label", for: name }, label),
    hint && h("p", { class: "hint", id: `${name}-hint` }, hint),
    error && h("p", { class: "error-message", id: `${name}-error` },
      h("span", { class: "visually-hidden" }, `${problemTitle()}:`), " ", error),
    h("input", {
      class: `input ${width}`.trim(), id: name, name, type, inputmode, autocomplete,
      spellcheck: "false", value: value ?? "",
      "aria-describedby": describedBy.length ? describedBy.join(" ") : undefined,
      "aria-invalid": error ? "true" : undefined
    }));
}

function page(title, body, { back } = {}) {
  return [
    back && h("p", {}, h("a", { href: back, class: "back-link" }, gettext("Back"))),
    h("div", { class: "panel" }, h("h1", {}, title), body)
  ];
}

const paragraph = (text, attributes = {}) => h("p", attributes, text);
const linkButton = (href, text, secondary = false) =>
  h("p", {}, h("a", { class: secondary ? "button button--secondary" : "button", href }, text));
const submit = (text, attributes = {}) =>
  h("button", { class: "button", type: "submit", ...attributes }, text);
const okLink = () => linkButton("#", gettext("OK"));
const spinner = () => h("div", { class: "spinner spinner--visible", "aria-hidden": "true" });
const hash = (...parts) => `#${parts.map(encodeURIComponent).join("/")}`;

// The screen's form (data-form): onSubmit gets its fields and the button that sent it.
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

function go(to) {
  if (location.hash === to) { route(); } else { location.hash = to; }
}

function shield(title, body, ...extra) {
  return h("div", { class: "panel done" },
    h("img", { src: `${STATIC}segl/tick.svg`, alt: "", width: 96, height: 96 }),
    h("h1", {}, title), body && paragraph(body), extra);
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

const openAs = (userId) => fill(gettext("Use the app as %(user_id)s"), { user_id: userId });
const settingsFor = (userId) => fill(gettext("Settings for %(user_id)s"), { user_id: userId });

async function home() {
  const all = await registrations.all();
  if (!all.length) { return welcome(); }
  const items = all.map((r) => h("li", { class: "id-list__item" },
    h("a", { class: "button", href: hash("unlock", r.userId) }, openAs(r.userId)),
    h("a", { href: hash("settings", r.userId) }, settingsFor(r.userId))));
  show(page(gettext("User IDs in this app"), [
    paragraph(gettext("You can share the app as a household. Each of you has your own user ID and PIN code."), { class: "hint" }),
    h("ul", { class: "id-list" }, items),
    h("p", {}, h("a", { href: "#welcome" }, gettext("Add a user ID")))
  ]));
}

function welcome() {
  show(page(gettext("Activate your segl app"), [
    paragraph(gettext("Choose how you want to activate the app on this phone.")),
    linkButton("#activate", gettext("I have an activation code")),
    linkButton("#copy-new", gettext("Copy from another segl app"), true)
  ]));
}

const userIdField = (error, value) => field({
  name: "user_id", label: gettext("User ID"), hint: gettext("Do not share your user ID with anyone."),
  error, autocomplete: "username", value
});

function activateStart(errors = [], values = {}) {
  const fieldError = (name) => errors.find((e) => e.field === name)?.text;
  show(page(gettext("Activate your segl app"), [
    errorSummary(errors),
    h("form", { "data-form": true, novalidate: true },
      userIdField(fieldError("user_id"), values.user_id),
      field({
        name: "activation_code", label: gettext("Activation code"),
        hint: gettext("The code you got from segl or at the citizen service centre, for example ABCD-EFGH-JKLM."),
        error: fieldError("activation_code"), value: values.activation_code
      }),
      submit(gettext("Continue")))
  ], { back: "#" }));
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

const pinField = (name, label, hint, error, autocomplete) => field({
  name, label, hint, error, type: "password", inputmode: "numeric", autocomplete,
  width: "input--short"
});

function createPin(errors = []) {
  if (!session.activation) { return go("#"); }
  const fieldError = (name) => errors.find((e) => e.field === name)?.text;
  show(page(gettext("Create your PIN code"), [
    errorSummary(errors),
    h("form", { "data-form": true, novalidate: true },
      field({
        name: "temporary_pin", label: gettext("Temporary PIN code"),
        hint: gettext("We have sent you a temporary PIN code by SMS."),
        error: fieldError("temporary_pin"), inputmode: "numeric", autocomplete: "one-time-code",
        width: "input--short"
      }),
      pinField("pin", gettext("PIN code"),
        gettext("4 to 6 digits. You will need this PIN code every time you use the app. Never share it with others."),
        fieldError("pin"), "new-password"),
      pinField("pin_again", gettext("Repeat the PIN code"), undefined, fieldError("pin_again"),
        "new-password"),
      submit(gettext("Continue")))
  ]));
  form(async (data) => {
    if (data.pin !== data.pin_again) {
      return createPin([{ field: "pin_again", text: gettext("The two PIN codes are not the same.") }]);
    }
    session.pendingKey = session.pendingKey || await newKeyPair();
    try {
      const answer = await call("POST", "activation/finish", {
        body: {
          activation: session.activation,
          temporary_pin: data.temporary_pin.trim(),
          pin: data.pin,
          name: gettext("segl app"),
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
        ? hash("biometrics", answer.user_id)
        : hash("notifications", answer.user_id));
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

const biometricsFailed = () => gettext("Fingerprint or face recognition did not work. Use your PIN code.");
const useBiometrics = () => gettext("Use fingerprint or face recognition");

// Two answers to a question: the first as the main button, the second beside it.
function twoAnswers(first, second) {
  return h("form", { "data-form": true },
    submit(first.text, { name: "answer", value: first.value }), " ",
    submit(second.text, { name: "answer", value: second.value, class: "button button--secondary" }));
}

async function biometrics(userId, errors = []) {
  const reg = await registration(userId);
  show(page(gettext("Use fingerprint or face recognition?"), [
    errorSummary(errors),
    paragraph(gettext("You can unlock the app with your fingerprint or face instead of your PIN code. You still need the PIN code now and then.")),
    twoAnswers({ value: "use", text: useBiometrics() }, { value: "later", text: gettext("Not now") })
  ]));
  form(async (_data, submitter) => {
    if (!submitter || submitter.value !== "use") {
      return go(hash("notifications", reg.userId));
    }
    try {
      const begun = await call("POST", "biometrics/register", { keyPair: reg.keyPair });
      const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(begun.options);
      const credential = await navigator.credentials.create({ publicKey });
      await call("POST", "biometrics/register/finish",
        { body: { credential: credential.toJSON() }, keyPair: reg.keyPair });
      await registrations.put({ ...reg, biometrics: true });
      go(hash("notifications", reg.userId));
    } catch (error) {
      biometrics(userId, [{ text: error instanceof ApiError ? reasonText(error) : biometricsFailed() }]);
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
    go(next || hash("wait", reg.userId));
  } catch (error) {
    unlock(userId, next, [{ text: error instanceof ApiError ? reasonText(error) : biometricsFailed() }]);
  }
}

function notifications(userId) {
  show(page(gettext("Set up notifications"), [
    paragraph(gettext("segl will tell you when a login waits for you in the app.")),
    twoAnswers({ value: "allow", text: gettext("Allow notifications") },
      { value: "later", text: gettext("Not now") })
  ]));
  form(async (_data, submitter) => {
    if (submitter && submitter.value === "allow" && "Notification" in window) {
      await Notification.requestPermission().catch(() => "denied");
    }
    show(shield(gettext("Your segl app is activated"), gettext("The app is ready to use."),
      linkButton(hash("unlock", userId), gettext("OK"))));
  });
}

async function unlock(userId, next, errors = []) {
  const reg = await registration(userId);
  const fieldError = errors.find((e) => e.field === "pin")?.text;
  show(page(gettext("Enter your PIN code"), [
    errorSummary(errors),
    paragraph(reg.userId, { class: "id-name" }),
    h("form", { "data-form": true, novalidate: true },
      pinField("pin", gettext("PIN code"), gettext("Never share your PIN code with others."),
        fieldError, "current-password"),
      submit(gettext("Unlock"))),
    reg.biometrics && h("p", {}, h("button",
      { class: "button button--secondary", type: "button", "data-biometrics": true }, useBiometrics()))
  ], { back: "#" }));
  const bio = root.querySelector("[data-biometrics]");
  if (bio) { bio.addEventListener("click", () => unlockWithBiometrics(reg, next, userId)); }
  form(async (data) => {
    try {
      await call("POST", "unlock", { body: { pin: data.pin }, keyPair: reg.keyPair });
      go(next || hash("wait", reg.userId));
    } catch (error) {
      unlock(userId, next, [{ field: "pin", text: reasonText(error) }]);
    }
  });
}

async function wait(userId) {
  const reg = await registration(userId);
  show(page(gettext("Ready to approve"), [
    paragraph(gettext("Start the login on the website. The request will appear here.")),
    spinner(),
    paragraph(gettext("Waiting for a login…"), { role: "status" }),
    h("p", {}, h("a", { href: hash("settings", reg.userId) }, gettext("App settings")))
  ], { back: "#" }));
  const signal = leaving.signal;
  while (!signal.aborted) {
    try {
      const answer = await call("GET", "requests/pending",
        { keyPair: reg.keyPair, query: { wait: 25 }, signal });
      if (answer.request) {
        const where = answer.request.mode === "code" ? "code" : "scan";
        return go(hash(where, reg.userId, answer.request.id));
      }
    } catch (error) {
      if (signal.aborted) { return; }
      if (error.reason === "unlock_needed" || error.status === 403) {
        return go(hash("unlock", reg.userId));
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
      return go(hash("unlock", reg.userId));
    }
    onError(reasonText(error), error);
  }
}

// The QR reader shared by login scans and copy scans: the camera, or a picture for those who
// cannot hold the phone up to a screen.
function scanner() {
  const video = h("video", { muted: true, playsinline: true, "aria-hidden": "true" });
  video.muted = true; // the attribute alone mutes only a parsed element
  return [
    h("div", { class: "camera" }, video),
    h("p", {}, h("button", { class: "button", type: "button", "data-camera": true }, gettext("Use the camera"))),
    h("form", { "data-form": true, novalidate: true },
      h("div", { class: "form-group" },
        h("label", { class: "label", for: "picture" }, gettext("Scan from a picture")),
        paragraph(gettext("Choose a photo or screenshot of the QR code."), { class: "hint", id: "picture-hint" }),
        h("input", {
          class: "file", id: "picture", name: "picture", type: "file", accept: "image/*",
          "aria-describedby": "picture-hint"
        })))
  ];
}

function wireScanner(found, showErrors) {
  const signal = leaving.signal;
  root.querySelector("[data-camera]").addEventListener("click", async () => {
    try {
      root.querySelector(".camera").classList.add("is-on");
      await scanCamera(root.querySelector("video"), found, signal);
    } catch (error) {
      showErrors([{ text: gettext("The camera cannot be used. Scan from a picture instead, or switch the app to one-time codes.") }]);
    }
  });
  root.querySelector("#picture").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    if (!file) { return; }
    const text = await scanPicture(file).catch(() => null);
    if (text) {
      found(text);
    } else {
      showErrors([{ field: "picture", text: gettext("No QR code was found. Try again.") }]);
    }
  });
}

async function scan(userId, requestId, errors = []) {
  const reg = await registration(userId);
  show(page(gettext("Scan the QR code"), [
    errorSummary(errors),
    paragraph(gettext("Hold the phone up to the QR code on the computer or tablet screen.")),
    scanner()
  ], { back: "#" }));
  const onError = (text) => scan(userId, requestId, [{ text }]);
  wireScanner((text) => bindAndReview(reg, requestId, { qr: text }, onError),
    (errors) => scan(userId, requestId, errors));
}

const rejected = (text) => show(page(gettext("Rejected"), [text && paragraph(text), okLink()]));

async function code(userId, requestId, errors = []) {
  const reg = await registration(userId);
  const fieldError = errors.find((e) => e.field === "code")?.text;
  show(page(gettext("Enter the one-time code"), [
    errorSummary(errors),
    h("form", { "data-form": true, novalidate: true },
      field({
        name: "code", label: gettext("One-time code"),
        hint: gettext("Enter the one-time code shown on your computer screen. Never enter codes that you have been told over the phone or by other means."),
        error: fieldError, inputmode: "numeric", autocomplete: "one-time-code", width: "input--short"
      }),
      submit(gettext("Next")))
  ], { back: "#" }));
  form(async (data) => {
    await bindAndReview(reg, requestId, { code: data.code }, (text, error) => {
      if (error && (error.reason === "request_cancelled" || error.status === 410)) {
        rejected(text);
      } else {
        code(userId, requestId, [{ field: "code", text }]);
      }
    });
  });
}

// What the relying party asks the citizen to do, as the API names it.
const ACTIONS = {
  log_on: () => pgettext("asked to", "log on"),
  approve: () => pgettext("asked to", "approve"),
  confirm: () => pgettext("asked to", "confirm"),
  accept: () => pgettext("asked to", "accept"),
  sign: () => pgettext("asked to", "sign")
};

function review(reg, shown, errors = []) {
  const action = Object.hasOwn(ACTIONS, shown.action) ? ACTIONS[shown.action]() : shown.action;
  show(page(gettext("Can you approve?"), [
    errorSummary(errors),
    paragraph(`${fill(gettext("%(rp)s asks you to"), { rp: shown.rp_name })} ${action}`, { class: "rp-name" }),
    shown.text && h("blockquote", { class: "approval-text", lang: "" }, shown.text),
    paragraph(gettext("Always read the text before you swipe. If it does not correspond with what you intend to do, or if you did not start it yourself, press Reject."), { class: "hint" }),
    approveControls(shown.rp_name),
    h("div", { class: "button-row" },
      h("button", { class: "button button--secondary", type: "button", "data-decision": "reject" }, gettext("Reject")),
      h("button", { class: "button button--warning", type: "button", "data-decision": "fraud" }, gettext("I did not start this")))
  ]));
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

// Only a web address goes back to the browser (the server gives one; anything else is no link).
function returnUrl(shown) {
  try {
    const url = new URL(shown.return_url || "", location.href);
    return shown.return_url && ["https:", "http:"].includes(url.protocol) ? url.href : null;
  } catch (error) {
    return null;
  }
}

function answered(shown, decision) {
  const target = returnUrl(shown);
  const back = target ? linkButton(target, gettext("Return to the browser")) : okLink();
  if (decision === "approve") {
    show(shield(gettext("Approved"), "", back));
    // Same device: back to the browser by itself after a moment (seed 004).
    if (target) { window.setTimeout(() => location.assign(target), 1200); }
  } else if (decision === "fraud") {
    show(page(gettext("Thank you for telling us"), [
      paragraph(gettext("Nothing was approved, and we have recorded your report. Never approve anything someone asks you to over the phone.")),
      back
    ]));
  } else {
    show(page(gettext("Rejected"), [back]));
  }
}

async function sameDevice(requestId, device) {
  // Opened from the login page on this device (seed 004).
  const all = await registrations.all();
  if (!all.length) { return welcome(); }
  session.same = { request: requestId, device };
  if (all.length === 1) { return go(hash("unlock", all[0].userId, "same")); }
  show(page(gettext("User IDs in this app"), [
    h("ul", { class: "id-list" }, all.map((r) => h("li", { class: "id-list__item" },
      h("a", { class: "button", href: hash("unlock", r.userId, "same") }, openAs(r.userId)))))
  ]));
}

async function sameDeviceBind(userId) {
  const reg = await registration(userId);
  if (!session.same) { return go(hash("wait", userId)); }
  const { request, device } = session.same;
  session.same = null;
  await bindAndReview(reg, request, { device }, (text) => rejected(text));
}

async function settings(userId, errors = []) {
  const reg = await registration(userId);
  let me;
  try {
    me = await call("GET", "me", { keyPair: reg.keyPair });
  } catch (error) {
    return show(page(gettext("App settings"), [errorSummary([{ text: reasonText(error) }])], { back: "#" }));
  }
  const pending = me.pending_change;
  const due = pending && pending.due;
  const pendingNotice = pending && h("div", { class: "notice", role: "status" },
    paragraph(due
      ? gettext("You asked to approve with one-time codes. Confirm to switch now.")
      : fill(gettext("One-time codes take effect after %(when)s, when you confirm it here. Meanwhile you can still use QR codes."),
        { when: formatTime(pending.effective_at) })),
    h("form", { "data-change": true },
      due && submit(gettext("Confirm one-time codes"), { name: "change", value: "confirm" }), due && " ",
      submit(gettext("Cancel the change"),
        { name: "change", value: "cancel", class: "button button--secondary" })));
  const radio = (value, label) => h("div", { class: "radio" },
    h("input", { type: "radio", id: `mode-${value}`, name: "mode", value, checked: me.approval_mode === value }),
    h("label", { for: `mode-${value}` }, label));
  show(page(settingsFor(reg.userId), [
    errorSummary(errors),
    pendingNotice,
    h("form", { "data-form": true, novalidate: true },
      h("fieldset", { class: "fieldset" },
        h("legend", { class: "label" }, gettext("QR or one-time codes")),
        radio("qr", gettext("QR codes")), radio("code", gettext("One-time codes"))),
      submit(gettext("Save"))),
    h("h2", {}, gettext("Activate new app with QR code")),
    linkButton(hash("copy-old", reg.userId), gettext("Show QR code"), true),
    h("p", {}, h("button", { class: "link-button", type: "button", "data-remove": true },
      fill(gettext("Remove %(user_id)s from this app"), { user_id: reg.userId })))
  ], { back: "#" }));
  const needUnlock = (error) => ["unlock_needed", "pin_needed"].includes(error.reason) &&
    (go(hash("unlock", reg.userId, "settings")), true);
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
        return go(hash("unlock", reg.userId, "settings"));
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
  const title = gettext("Activate new app with QR code");
  let offer = session.copy;
  if (!offer || new Date(offer.expires_at) <= new Date()) {
    try {
      offer = session.copy = await call("POST", "copy", { keyPair: reg.keyPair });
      offer.svg = await qrSvg(offer.qr, reg.keyPair);
    } catch (error) {
      if (error.reason === "unlock_needed" || error.reason === "pin_needed") {
        return go(hash("unlock", reg.userId, "copy"));
      }
      return show(page(title, [errorSummary([{ text: reasonText(error) }])], { back: "#" }));
    }
  }
  const fieldError = errors.find((e) => e.field === "code")?.text;
  // The QR code is an image of the server's SVG: as an <img>, it can never run script.
  const picture = h("img", {
    src: `data:image/svg+xml;base64,${btoa(offer.svg)}`,
    alt: gettext("QR code for the new app. It is valid for 3 minutes."), width: 252, height: 252
  });
  show(page(title, [
    errorSummary(errors),
    h("figure", { class: "qr" }, picture),
    paragraph(fill(gettext("The QR code is valid until %(when)s."), { when: formatTime(offer.expires_at) })),
    paragraph(gettext("Waiting for the new app to scan the QR code…"), { role: "status", "data-copy-status": true }),
    h("form", { "data-form": true, novalidate: true },
      field({
        name: "code", label: gettext("Enter the code shown on the new phone or tablet"),
        error: fieldError, inputmode: "numeric", autocomplete: "off", width: "input--short"
      }),
      submit(gettext("Continue")))
  ], { back: hash("settings", reg.userId) }));
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
  show(page(gettext("Activate new app with QR code"), [
    spinner(),
    paragraph(gettext("Waiting for the new app to scan the QR code…"), { role: "status" })
  ]));
  const signal = leaving.signal;
  while (!signal.aborted) {
    const status = await call("GET", `copy/${segment(offer.copy)}`, { keyPair: reg.keyPair }).catch(() => null);
    if (status && status.state === "completed") {
      session.copy = null;
      return show(shield(gettext("The new app is activated."), "", okLink()));
    }
    await new Promise((resolve) => window.setTimeout(resolve, 1000));
  }
}

function copyNew(errors = []) {
  show(page(gettext("Copy from another segl app"), [
    errorSummary(errors),
    paragraph(gettext("Open the app on your old phone, choose App settings and Activate new app with QR code.")),
    scanner()
  ], { back: "#" }));
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
  show(page(gettext("Copy from another segl app"), [
    errorSummary(errors),
    paragraph(gettext("Enter this code in the old app"), { class: "label", id: "proximity-label" }),
    paragraph(proximity, { class: "one-time-code", "aria-labelledby": "proximity-label", "data-proximity": true }),
    h("form", { "data-form": true, novalidate: true },
      userIdField(fieldError),
      submit(gettext("I have entered the code")))
  ]));
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
        const next = b === "same" ? hash("same", a)
          : b === "copy" ? hash("copy-old", a)
            : b === "settings" ? hash("settings", a) : undefined;
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

// The service worker's address is a script URL, a Trusted Types sink: the app's one policy
// lets through only the worker this page names, on this origin (decision 28).
const workerPolicy = window.trustedTypes && window.trustedTypes.createPolicy("segl-app", {
  createScriptURL(url) {
    const wanted = new URL(root.dataset.worker, location.origin);
    if (new URL(url, location.origin).href !== wanted.href) {
      throw new TypeError("not the app's service worker");
    }
    return wanted.href;
  }
});

if ("serviceWorker" in navigator) {
  const worker = root.dataset.worker;
  navigator.serviceWorker.register(workerPolicy ? workerPolicy.createScriptURL(worker) : worker,
    { scope: root.dataset.appBase }).catch(() => {});
}
