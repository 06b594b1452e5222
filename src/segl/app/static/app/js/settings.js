// The app's settings for a user ID (approve with QR or one-time codes, after the wait of
// decision 11; remove the user ID) and copying the app to a new phone.
import { call, qrSvg, segment } from "./api.js";
import { h } from "./dom.js";
import { fill, formatTime, gettext } from "./i18n.js";
import { newKeyPair, registrations } from "./keys.js";
import {
  errorSummary, field, form, go, hash, leavingSignal, linkButton, okLink, page, paragraph,
  reasonText, registration, root, scanner, session, settingsFor, shield, show, spinner,
  submit, userIdField, wireScanner
} from "./screen.js";

export async function settings(userId, errors = []) {
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
  const signal = leavingSignal();
  while (!signal.aborted) {
    const status = await call("GET", `copy/${segment(offer.copy)}`, { keyPair: reg.keyPair }).catch(() => null);
    if (status && status.state === "completed") {
      session.copy = null;
      return show(shield(gettext("The new app is activated."), "", okLink()));
    }
    await new Promise((resolve) => window.setTimeout(resolve, 1000));
  }
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

