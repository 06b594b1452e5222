// Logging in with the app: unlock with the PIN code or biometrics, wait for a login, bind it
// (QR code, one-time code or the same device), read it and answer (seeds 003, 004).
import { ApiError, call, segment } from "./api.js";
import { approveControls, wireApprove } from "./approve.js";
import { biometricsFailed, useBiometrics, welcome } from "./activate.js";
import { h } from "./dom.js";
import { fill, gettext, pgettext } from "./i18n.js";
import { registrations, signApproval } from "./keys.js";
import {
  errorSummary, field, form, go, hash, leavingSignal, linkButton, okLink, openAs, page,
  paragraph, pinField, reasonText, registration, root, scanner, session, shield, show, spinner,
  submit, wireScanner
} from "./screen.js";

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

export async function unlock(userId, next, errors = []) {
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

export async function wait(userId) {
  const reg = await registration(userId);
  show(page(gettext("Ready to approve"), [
    paragraph(gettext("Start the login on the website. The request will appear here.")),
    spinner(),
    paragraph(gettext("Waiting for a login…"), { role: "status" }),
    h("p", {}, h("a", { href: hash("settings", reg.userId) }, gettext("App settings")))
  ], { back: "#" }));
  const signal = leavingSignal();
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

export async function scan(userId, requestId, errors = []) {
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

export async function code(userId, requestId, errors = []) {
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

export async function sameDevice(requestId, device) {
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

export async function sameDeviceBind(userId) {
  const reg = await registration(userId);
  if (!session.same) { return go(hash("wait", userId)); }
  const { request, device } = session.same;
  session.same = null;
  await bindAndReview(reg, request, { device }, (text) => rejected(text));
}

