// The app's settings for a user ID (approve with QR or one-time codes, after the wait of
// decision 11; change the PIN code; remove the user ID) and copying the app to a new phone.
import { call, qrSvg, segment } from "./api.js";
import { h } from "./dom.js";
import { fill, formatTime, gettext } from "./i18n.js";
import { newKeyPair, registrations } from "./keys.js";
import { allowNotifications, notificationsOffText, turnOff, unsubscribeIfLast } from "./notifications.js";
import {
  askFirst, errorSummary, field, form, go, hash, leavingSignal, linkButton, okLink, page,
  paragraph, pinField, pinRule, reasonText, registration, root, scanner, session, settingsFor,
  shield, show, spinner, submit, userIdField, wireScanner
} from "./screen.js";

// Changes that need the PIN: when the unlock has run out, the PIN is asked for and the change
// the citizen asked for is made after it, instead of being forgotten.
function needUnlock(reg, error, run) {
  if (!["unlock_needed", "pin_needed"].includes(error.reason)) { return false; }
  session.afterUnlock = { userId: reg.userId, run };
  go(hash("unlock", reg.userId, "settings"));
  return true;
}

async function change(reg, userId, request) {
  try {
    await request();
    settings(userId);
  } catch (error) {
    if (!needUnlock(reg, error, () => change(reg, userId, request))) {
      settings(userId, [{ text: reasonText(error) }]);
    }
  }
}

export async function settings(userId, errors = []) {
  const reg = await registration(userId);
  const resume = session.afterUnlock;
  session.afterUnlock = null;
  if (resume && resume.userId === reg.userId && !errors.length) { return resume.run(); }
  let me;
  try {
    me = await call("GET", "me", { keyPair: reg.keyPair });
  } catch (error) {
    if (error.reason === "app_locked" || error.reason === "app_inactive") {
      return go(hash("unlock", reg.userId, "settings"));
    }
    return show(page(gettext("App settings"), [errorSummary([{ text: reasonText(error) }])], { back: "#" }));
  }
  const hours = me.weakening_delay_hours;
  const pending = me.pending_change;
  const due = pending && pending.due;
  const asking = (method, path, body) => () => call(method, path, { body, keyPair: reg.keyPair });
  const pendingNotice = pending && h("div", { class: "notice", role: "status", "data-pending-change": true },
    paragraph(due
      ? gettext("You asked to approve with one-time codes. Confirm to switch now.")
      : fill(gettext("You asked to approve with one-time codes. For your safety, the switch waits %(hours)s hours: you can confirm it here from %(when)s. Until then, you approve with QR codes."),
        { hours, when: formatTime(pending.effective_at) })),
    due && h("p", {}, h("button", { class: "button", type: "button", "data-confirm-change": true }, gettext("Confirm one-time codes"))),
    askFirst({
      name: "cancel-change", trigger: gettext("Cancel the change"),
      question: gettext("Cancel the switch to one-time codes?"),
      details: paragraph(fill(gettext("You keep approving with QR codes. If you want one-time codes later, you must ask again and wait %(hours)s hours."), { hours })),
      yes: gettext("Yes, cancel the change"), no: gettext("No, go back"),
      onYes: () => change(reg, userId, asking("POST", "settings/approval-mode", { mode: "qr" }))
    }));
  const radio = (value, label) => h("div", { class: "radio" },
    h("input", { type: "radio", id: `mode-${value}`, name: "mode", value, checked: me.approval_mode === value }),
    h("label", { for: `mode-${value}` }, label));
  show(page(settingsFor(reg.userId), [
    errorSummary(errors),
    pendingNotice,
    h("form", { "data-form": true, novalidate: true },
      h("fieldset", { class: "fieldset", "aria-describedby": "mode-hint" },
        h("legend", { class: "label" }, gettext("QR or one-time codes")),
        paragraph(fill(gettext("Switching to one-time codes takes effect %(hours)s hours after you ask, and only when you confirm it then. Switching back to QR codes takes effect at once."), { hours }),
          { class: "hint", id: "mode-hint" }),
        radio("qr", gettext("QR codes")), radio("code", gettext("One-time codes"))),
      submit(gettext("Save"))),
    h("h2", {}, gettext("Notifications")),
    paragraph(me.notifications
      ? gettext("segl tells you on this phone when a login waits for you.")
      : gettext("Notifications are off: segl cannot tell you when a login waits for you."), { "data-notifications": me.notifications ? "on" : "off" }),
    h("p", {}, h("button", { class: "button button--secondary", type: "button", "data-notifications-toggle": true },
      me.notifications ? gettext("Turn off notifications") : gettext("Set up notifications"))),
    h("h2", {}, gettext("PIN code")),
    linkButton(hash("change-pin", reg.userId), gettext("Change PIN code"), true),
    h("h2", {}, gettext("Activate new app with QR code")),
    linkButton(hash("copy-old", reg.userId), gettext("Show QR code"), true),
    h("h2", {}, gettext("Remove from this app")),
    askFirst({
      name: "remove", trigger: fill(gettext("Remove %(user_id)s from this app"), { user_id: reg.userId }),
      question: fill(gettext("Remove %(user_id)s from this app?"), { user_id: reg.userId }),
      details: paragraph(gettext("segl will no longer accept this app for the user ID. To use segl on this phone again, you must activate the app again.")),
      yes: gettext("Yes, remove"), no: gettext("No, go back"),
      onYes: () => remove(reg, userId)
    })
  ], { back: "#" }));
  form(async (data) => change(reg, userId, asking("POST", "settings/approval-mode", { mode: data.mode })));
  const toggle = root.querySelector("[data-notifications-toggle]");
  toggle.addEventListener("click", async () => {
    if (toggle.disabled) { return; }  // one attempt at a time: it can take a while
    toggle.disabled = true;
    toggle.setAttribute("aria-busy", "true");
    if (me.notifications) { return change(reg, userId, () => turnOff(reg)); }
    const outcome = await allowNotifications(reg);
    settings(userId, outcome === "subscribed" ? []
      : [{ text: notificationsOffText(outcome, { inSettings: true }) }]);
  });
  const confirm = root.querySelector("[data-confirm-change]");
  if (confirm) {
    confirm.addEventListener("click", () => change(reg, userId, asking("POST", "settings/approval-mode/confirm")));
  }
}

async function remove(reg, userId) {
  try {
    await call("POST", "retire", { keyPair: reg.keyPair });
  } catch (error) {
    if (needUnlock(reg, error, () => remove(reg, userId))) { return; }
    // Locked, retired or unknown to segl already: nothing left to undo there.
    if (error.status !== 401 && error.status !== 403) {
      return settings(userId, [{ text: reasonText(error) }]);
    }
  }
  await registrations.remove(reg.userId);
  await unsubscribeIfLast();
  go("#");
}

export async function changePin(userId, errors = [], values = {}) {
  const reg = await registration(userId);
  const fieldError = (name) => errors.find((e) => e.field === name)?.text;
  show(page(gettext("Change your PIN code"), [
    errorSummary(errors),
    paragraph(reg.userId, { class: "id-name" }),
    h("form", { "data-form": true, novalidate: true },
      pinField("old_pin", gettext("Current PIN code"), undefined, fieldError("old_pin"), "current-password",
        { value: values.old_pin }),
      pinField("pin", gettext("New PIN code"), pinRule(), fieldError("pin"), "new-password",
        { value: values.pin }),
      pinField("pin_again", gettext("Repeat the new PIN code"), undefined, fieldError("pin_again"), "new-password",
        { value: values.pin_again }),
      submit(gettext("Change PIN code")))
  ], { back: hash("settings", reg.userId) }));
  form(async (data) => {
    const newEmptied = { ...data, pin: "", pin_again: "" };
    const empty = [
      !data.old_pin && { field: "old_pin", text: gettext("Enter your current PIN code.") },
      !data.pin && { field: "pin", text: gettext("Choose a new PIN code.") },
      data.pin && !data.pin_again && { field: "pin_again", text: gettext("Repeat the new PIN code.") }
    ].filter(Boolean);
    if (empty.length) { return changePin(userId, empty, data); }
    if (data.pin !== data.pin_again) {
      return changePin(userId, [{ field: "pin_again", text: gettext("The two new PIN codes are not the same. Type the new PIN code twice.") }], newEmptied);
    }
    try {
      await call("POST", "settings/pin", { body: { old_pin: data.old_pin, pin: data.pin }, keyPair: reg.keyPair });
      show(shield(gettext("Your PIN code is changed"),
        gettext("Use the new PIN code from now on. We have told you by SMS and e-mail."),
        linkButton(hash("settings", reg.userId), gettext("OK"))));
    } catch (error) {
      if (error.reason === "app_locked" || error.reason === "app_inactive") {
        return go(hash("unlock", reg.userId));
      }
      const old = error.reason === "pin_wrong" || error.reason === "old_pin_missing";
      changePin(userId, [{ field: old ? "old_pin" : "pin", text: reasonText(error) }],
        old ? { ...data, old_pin: "" } : newEmptied);
    }
  });
}

export async function copyOld(userId, errors = []) {
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
    paragraph(copyWords.offered(), { role: "status", "data-copy-status": true }),
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
  watchCopy(reg, offer, (state) => {
    const status = root.querySelector("[data-copy-status]");
    if (state === "scanned" && status) { status.textContent = copyWords.scanned(); }
  });
}

// What the old app says while the new one is on its way, by the offer's state.
const copyWords = {
  offered: () => gettext("Waiting for the new app to scan the QR code…"),
  scanned: () => gettext("The new app has scanned the QR code. Enter the code it shows below."),
  confirmed: () => gettext("Continue on the new phone or tablet: enter the user ID there, then the temporary PIN code we send by SMS, and choose a PIN code. This screen tells you when the new app is activated.")
};

// Asks segl how the copy goes until it is done, cancelled, or the screen changes; onState hears
// each state. The end is shown here: the new app activated, or the copy stopped.
async function watchCopy(reg, offer, onState) {
  const signal = leavingSignal();
  while (!signal.aborted) {
    let status = null;
    try {
      status = await call("GET", `copy/${segment(offer.copy)}`, { keyPair: reg.keyPair, signal });
    } catch (error) {
      if (signal.aborted) { return; }
      if ([401, 403, 404].includes(error.status)) {
        session.copy = null;
        return show(page(gettext("Activate new app with QR code"), [
          errorSummary([{ text: reasonText(error) }]), okLink()]));
      }
    }
    if (status && status.state === "completed") {
      session.copy = null;
      return show(shield(gettext("The new app is activated."),
        gettext("You can now use segl on the new phone or tablet. If you no longer use this phone, remove the user ID from it in App settings."),
        okLink()));
    }
    if (status && status.state === "cancelled") {
      session.copy = null;
      return show(page(gettext("Activate new app with QR code"), [
        errorSummary([{ text: gettext("The copy to the new phone or tablet was stopped. Show a new QR code to try again.") }]),
        linkButton(hash("copy-old", reg.userId), gettext("Show QR code"))]));
    }
    if (status) { onState(status.state); }
    await new Promise((resolve) => window.setTimeout(resolve, 1500));
  }
}

function copyWaitDone(reg, offer) {
  show(page(gettext("Activate new app with QR code"), [
    spinner(),
    paragraph(copyWords.confirmed(), { role: "status", "data-copy-status": true })
  ]));
  watchCopy(reg, offer, () => {});
}

export function copyNew(errors = []) {
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

function copyShowCode(proximity, errors = [], values = {}) {
  const fieldError = errors.find((e) => e.field === "user_id")?.text;
  show(page(gettext("Copy from another segl app"), [
    errorSummary(errors),
    paragraph(gettext("Enter this code in the old app"), { class: "label", id: "proximity-label" }),
    paragraph(proximity, { class: "one-time-code", "aria-labelledby": "proximity-label", "data-proximity": true }),
    h("form", { "data-form": true, novalidate: true },
      userIdField(fieldError, values.user_id),
      submit(gettext("I have entered the code")))
  ]));
  form(async (data) => {
    try {
      const answer = await call("POST", "copy/finish", { body: { user_id: data.user_id }, keyPair: session.pendingKey });
      session.activation = answer.activation;
      session.activationUserId = data.user_id.trim();
      go("#create-pin");
    } catch (error) {
      copyShowCode(proximity, [{ field: "user_id", text: reasonText(error) }], data);
    }
  });
}

