// Logging in with the app: unlock with the PIN code or biometrics, wait for a login, bind it
// (QR code, one-time code or the same device), read it and answer (seeds 003, 004).
import { ApiError, call, segment } from "./api.js";
import { biometricsFailed, useBiometrics, welcome } from "./activate.js";
import { h } from "./dom.js";
import { fill, formatTime, gettext } from "./i18n.js";
import { registrations } from "./keys.js";
import { rejected, review } from "./review.js";
import {
  errorSummary, field, form, go, hash, leavingSignal, linkButton, openAs, page, paragraph,
  pinField, reasonText, registration, root, scanner, session, show, spinner, submit, wireScanner
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

// Why the app cannot be unlocked, when segl refuses it: locked after wrong PIN codes, or no
// longer an app of the user ID's. Neither ends by itself: the way on is to activate again.
const REFUSED = {
  app_locked: () => [gettext("The app is locked"),
    gettext("The app is locked because a wrong PIN code was entered too many times in a row. The lock does not end by itself: you cannot unlock the app with your PIN code, not even the right one, until you activate the app again.")],
  app_inactive: () => [gettext("The app can no longer be used"),
    gettext("segl no longer accepts this app for this user ID: it was removed or blocked, for example on the self-service portal. To use segl on this phone, activate the app again.")]
};

async function refusedReason(reg) {
  try {
    await call("GET", "me", { keyPair: reg.keyPair });
    return null;
  } catch (error) {
    return error instanceof ApiError && Object.hasOwn(REFUSED, error.reason) ? error.reason : null;
  }
}

export async function unlock(userId, next, errors = [], refused = undefined) {
  const reg = await registration(userId);
  const why = refused === undefined ? await refusedReason(reg) : refused;
  const fieldError = errors.find((e) => e.field === "pin")?.text;
  const [title, explanation] = why ? REFUSED[why]() : [gettext("Enter your PIN code"), ""];
  show(page(title, [
    errorSummary(errors),
    paragraph(reg.userId, { class: "id-name" }),
    why && h("div", { class: "notice", role: "status", "data-refused": why },
      paragraph(explanation),
      linkButton("#welcome", gettext("Activate again"))),
    h("form", { "data-form": true, novalidate: true, class: why ? "is-locked" : undefined },
      pinField("pin", gettext("PIN code"), gettext("Never share your PIN code with others."),
        fieldError, "current-password", { disabled: Boolean(why) }),
      submit(gettext("Unlock"), { disabled: Boolean(why) })),
    !why && reg.biometrics && h("p", {}, h("button",
      { class: "button button--secondary", type: "button", "data-biometrics": true }, useBiometrics()))
  ], { back: "#" }));
  if (why) { return; }
  const bio = root.querySelector("[data-biometrics]");
  if (bio) { bio.addEventListener("click", () => unlockWithBiometrics(reg, next, userId)); }
  form(async (data) => {
    try {
      await call("POST", "unlock", { body: { pin: data.pin }, keyPair: reg.keyPair });
      go(next || hash("wait", reg.userId));
    } catch (error) {
      if (error instanceof ApiError && Object.hasOwn(REFUSED, error.reason)) {
        return unlock(userId, next, [], error.reason);
      }
      unlock(userId, next, [{ field: "pin", text: reasonText(error) }], null);
    }
  });
}

export async function wait(userId) {
  const reg = await registration(userId);
  show(page(gettext("Ready to approve"), [
    paragraph(gettext("Start the login on the website. The request will appear here.")),
    spinner(),
    paragraph(gettext("Waiting for a login…"), { role: "status", "data-wait-status": true }),
    h("p", {}, h("a", { href: hash("settings", reg.userId) }, gettext("App settings")))
  ], { back: "#" }));
  const signal = leavingSignal();
  // The first look is at once, so that a pause after "I did not start this" is said at once:
  // the login page does not say it (decision 17), so the citizen learns it here.
  let wait = 0;
  while (!signal.aborted) {
    try {
      const answer = await call("GET", "requests/pending",
        { keyPair: reg.keyPair, query: { wait }, signal });
      wait = 25;
      if (answer.request) {
        const where = answer.request.mode === "code" ? "code" : "scan";
        return go(hash(where, reg.userId, answer.request.id));
      }
      const status = root.querySelector("[data-wait-status]");
      const text = answer.paused_until
        ? fill(gettext("Until %(when)s, no login can send requests to your segl app for %(user_id)s. If you have a code display, an audio code reader or a chip, you can still log in with it."),
          { when: formatTime(answer.paused_until), user_id: reg.userId })
        : gettext("Waiting for a login…");
      if (status && status.textContent !== text) { status.textContent = text; }
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
  // A picture taken a while ago shows a QR code that has changed since: say what to do.
  const onError = (source) => (text, error) => scan(userId, requestId, [
    error && error.reason === "qr_stale" && source === "picture"
      ? { field: "picture", text: gettext("The picture of the QR code is too old: the QR code changes every second, and a picture of it is good for a few seconds only. Take the picture and choose it at once. If that is hard, switch the app to one-time codes: then you type a short code instead."), link: { href: hash("settings", reg.userId), text: gettext("Switch to one-time codes in App settings") } }
      : { text }]);
  wireScanner((text, source) => bindAndReview(reg, requestId, { qr: text }, onError(source)),
    (errors) => scan(userId, requestId, errors));
}

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

