// Step 5 after a passport or ID card (seed 002): "How do you want to use segl?" On this phone
// (a temporary PIN by SMS, then the PIN code, as any activation), on another phone or tablet
// (a QR code and the proximity check), or with a code display, audio code reader or chip
// ("Yes, activate" or "No, order").
import { segment } from "./api.js";
import { h } from "./dom.js";
import { fill, formatTime, gettext } from "./i18n.js";
import { api, proofing } from "./proof.js";
import { registerSecurityKey, securityKeysAvailable } from "./securitykey.js";
import {
  errorSummary, field, form, go, hash, leavingSignal, linkButton, page, paragraph, reasonText,
  session, shield, show, spinner, submit
} from "./screen.js";

const KINDS = {
  code_display: () => gettext("Code display"),
  audio_code_reader: () => gettext("Audio code reader"),
  chip: () => gettext("Chip")
};

function radios(name, legend, options, error) {
  return h("div", { class: error ? "form-group form-group--error" : "form-group" },
    h("fieldset", { class: "fieldset", "aria-describedby": error ? `${name}-error` : undefined },
      h("legend", { class: "label" }, legend),
      error && h("p", { class: "error-message", id: `${name}-error` }, error),
      options.map(([value, label], i) => h("div", { class: "radio" },
        h("input", { type: "radio", id: i ? `${name}-${value}` : name, name, value }),
        h("label", { for: i ? `${name}-${value}` : name }, label)))));
}

export function proofUse(errors = []) {
  if (!proofing.secret) { return go("#"); }
  const fieldError = errors.find((e) => e.field === "how")?.text;
  show(page(gettext("How do you want to use segl?"), [
    errorSummary(errors),
    h("form", { "data-form": true, novalidate: true },
      radios("how", gettext("Choose where to activate segl"), [
        ["here", gettext("On this phone")],
        ["other", gettext("On another phone or tablet")],
        ["device", gettext("With a code display, audio code reader or chip")]
      ], fieldError),
      submit(gettext("Next")))
  ]));
  form(async (data) => {
    if (data.how === "here") { return activateHere(); }
    if (data.how === "other") { return go("#proof-other"); }
    if (data.how === "device") { return go("#proof-device"); }
    proofUse([{ field: "how", text: gettext("Choose one.") }]);
  });
}

async function activateHere() {
  try {
    const started = await api("POST", "app");
    const state = await api("GET", "state");
    session.activation = started.activation;
    session.activationUserId = state.user_id;
    session.pendingKey = null;
    go("#create-pin");
  } catch (error) {
    proofUse([{ text: reasonText(error) }]);
  }
}

export async function proofOther(errors = [], shown = null) {
  if (!proofing.secret) { return go("#"); }
  const title = gettext("Activate new app with QR code");
  if (!shown) {
    show(page(title, [
      paragraph(gettext("Install the segl app on the new phone or tablet and open it. Choose Get started, then Copy from another segl app, and scan the QR code that this phone shows.")),
      h("form", { "data-form": true }, submit(gettext("Show QR code")))
    ], { back: "#proof-use" }));
    return form(async () => {
      try {
        proofOther([], await api("POST", "copy"));
      } catch (error) {
        proofOther([{ text: reasonText(error) }]);
      }
    });
  }
  const fieldError = errors.find((e) => e.field === "code")?.text;
  show(page(title, [
    errorSummary(errors),
    h("figure", { class: "qr" }, h("img", {
      src: `data:image/svg+xml;base64,${btoa(shown.qr_svg)}`, width: 252, height: 252,
      alt: gettext("QR code for the new app. It is valid for 3 minutes."), "data-qr-text": shown.qr
    })),
    paragraph(fill(gettext("The QR code is valid until %(when)s."), { when: formatTime(shown.expires_at) })),
    h("form", { "data-form": true, novalidate: true },
      field({
        name: "code", label: gettext("Enter the code shown on the new phone or tablet"),
        error: fieldError, inputmode: "numeric", width: "input--short"
      }),
      submit(gettext("Continue")))
  ], { back: "#proof-use" }));
  form(async (data) => {
    try {
      await api("POST", `copy/${segment(shown.copy)}/confirm`, { body: { code: data.code.trim() } });
      waitForNewApp(shown);
    } catch (error) {
      proofOther([{ field: "code", text: reasonText(error) }], error.reason === "copy_expired" ? null : shown);
    }
  });
}

async function waitForNewApp(shown) {
  show(page(gettext("Continue on the new phone or tablet"), [
    spinner(),
    paragraph(gettext("Enter your user ID on the new phone, then the temporary PIN code we send you by SMS."), { role: "status" })
  ]));
  const signal = leavingSignal();
  while (!signal.aborted) {
    const status = await api("GET", `copy/${segment(shown.copy)}`).catch(() => null);
    if (status && status.state === "completed") {
      proofing.secret = null;
      return show(shield(gettext("The new app is activated."), "", linkButton("#", gettext("OK"))));
    }
    await new Promise((resolve) => window.setTimeout(resolve, 1000));
  }
}

export function proofDevice(errors = []) {
  if (!proofing.secret) { return go("#"); }
  const fieldError = errors.find((e) => e.field === "kind")?.text;
  show(page(gettext("Code display, audio code reader or chip"), [
    errorSummary(errors),
    h("form", { "data-form": true, novalidate: true },
      radios("kind", gettext("What do you want to activate or order?"),
        Object.entries(KINDS).map(([value, label]) => [value, label()]), fieldError),
      submit(gettext("Next")))
  ], { back: "#proof-use" }));
  form(async (data) => {
    if (!KINDS[data.kind]) { return proofDevice([{ field: "kind", text: gettext("Choose one.") }]); }
    go(hash("proof-have", data.kind));
  });
}

const HAVE = {
  code_display: () => gettext("Do you have a code display?"),
  audio_code_reader: () => gettext("Do you have an audio code reader?"),
  chip: () => gettext("Do you have a chip?")
};

export function proofHave(kind) {
  if (!KINDS[kind]) { return go("#proof-device"); }
  show(page(HAVE[kind](), [
    linkButton(hash("proof-activate", kind), gettext("Yes, activate")),
    linkButton(hash("proof-order", kind), gettext("No, order"), true)
  ], { back: "#proof-device" }));
}

export function proofActivate(kind, errors = [], values = {}) {
  if (!proofing.secret || !KINDS[kind]) { return go("#"); }
  if (kind === "chip") { return proofActivateChip(errors, values); }
  const fieldError = (name) => errors.find((e) => e.field === name)?.text;
  show(page(fill(gettext("Activate your %(kind)s"), { kind: KINDS[kind]().toLowerCase() }), [
    errorSummary(errors),
    h("form", { "data-form": true, novalidate: true },
      field({ name: "password", label: gettext("Create a password"), type: "password", autocomplete: "new-password",
        hint: gettext("At least 8 characters. You use it with the device every time you log in."), error: fieldError("password") }),
      field({ name: "password_again", label: gettext("Repeat the password"), type: "password", autocomplete: "new-password",
        error: fieldError("password_again") }),
      field({ name: "serial", label: gettext("Serial number"),
        hint: kind === "audio_code_reader"
          ? gettext("Printed on the back of the code reader, for example AR1234567897.")
          : gettext("Printed on the back of the code display, for example CD1234567897."),
        error: fieldError("serial"), value: values.serial, autocomplete: "off" }),
      field({ name: "code", label: gettext("One-time code"),
        hint: kind === "audio_code_reader"
          ? gettext("Press the red button at the bottom right of the code reader. You can feel the button: it has one raised dot. Enter the 6-digit one-time code it shows or reads aloud.")
          : gettext("Press the button on the code display. Enter the 6-digit one-time code it shows."),
        error: fieldError("code"), inputmode: "numeric", autocomplete: "one-time-code", width: "input--short" }),
      submit(gettext("Activate")))
  ], { back: hash("proof-have", kind) }));
  form(async (data) => {
    if (data.password !== data.password_again) {
      return proofActivate(kind, [{ field: "password_again", text: gettext("The two passwords are not the same.") }], data);
    }
    try {
      await api("POST", "device", { body: { serial: data.serial.trim().toUpperCase(), code: data.code.trim(), password: data.password } });
      proofing.secret = null;
      show(shield(fill(gettext("Your %(kind)s is activated"), { kind: KINDS[kind]().toLowerCase() }),
        gettext("It is ready to use. Keep a second way to use segl, in case you lose it."), linkButton("#", gettext("OK"))));
    } catch (error) {
      const name = /password/.test(error.reason) ? "password" : /serial|not_yours/.test(error.reason) ? "serial" : "code";
      proofActivate(kind, [{ field: name, text: reasonText(error) }], { serial: data.serial });
    }
  });
}

// Seed 002's chip: the password and the serial, then the chip itself (its registration).
function proofActivateChip(errors = [], values = {}) {
  const fieldError = (name) => errors.find((e) => e.field === name)?.text;
  show(page(gettext("Activate your chip"), [
    errorSummary(errors),
    h("form", { "data-form": true, novalidate: true },
      field({ name: "password", label: gettext("Create a password"), type: "password", autocomplete: "new-password",
        hint: gettext("At least 8 characters. You use it with the chip every time you log in."), error: fieldError("password") }),
      field({ name: "password_again", label: gettext("Repeat the password"), type: "password", autocomplete: "new-password",
        error: fieldError("password_again") }),
      field({ name: "serial", label: gettext("Serial number"),
        hint: gettext("Printed on the back of the chip, for example CH1234567897."),
        error: fieldError("serial"), value: values.serial, autocomplete: "off" }),
      paragraph(gettext("Then connect your chip and press its button. If it has a PIN code, you are asked for it.")),
      submit(gettext("Activate")))
  ], { back: hash("proof-have", "chip") }));
  form(async (data) => {
    if (data.password !== data.password_again) {
      return proofActivateChip([{ field: "password_again", text: gettext("The two passwords are not the same.") }], data);
    }
    if (!securityKeysAvailable()) {
      return proofActivateChip([{ text: gettext("This browser cannot use security keys. Use another browser, or choose another way to use segl.") }], data);
    }
    let begun;
    try {
      begun = await api("POST", "security-key", { body: { serial: data.serial.trim().toUpperCase(), password: data.password } });
    } catch (error) {
      const name = /password/.test(error.reason) ? "password" : "serial";
      return proofActivateChip([{ field: name, text: reasonText(error) }], { serial: data.serial });
    }
    try {
      const credential = await registerSecurityKey(begun.publicKey);
      await api("POST", "security-key/finish", { body: { challenge: begun.challenge, credential } });
    } catch (error) {
      const text = error.name === "NotAllowedError"
        ? gettext("No chip answered. Connect your chip, choose Activate and press the button on the chip.")
        : reasonText(error);
      return proofActivateChip([{ text }], { serial: data.serial });
    }
    proofing.secret = null;
    show(shield(gettext("Your chip is activated"),
      gettext("It is ready to use. Keep a second way to use segl, in case you lose it."), linkButton("#", gettext("OK"))));
  });
}

export async function proofOrder(kind, errors = []) {
  if (!proofing.secret || !KINDS[kind]) { return go("#"); }
  let quote;
  try {
    quote = await api("GET", `order?kind=${encodeURIComponent(kind)}`);
  } catch (error) {
    return show(page(gettext("Order"), [errorSummary([{ text: reasonText(error) }])], { back: hash("proof-have", kind) }));
  }
  const fieldError = (name) => errors.find((e) => e.field === name)?.text;
  const price = (quote.price / 100).toLocaleString(document.documentElement.lang === "da" ? "da-DK" : "en-GB", { style: "currency", currency: "DKK" });
  const key = crypto.randomUUID();
  show(page(fill(gettext("Order a %(kind)s"), { kind: KINDS[kind]().toLowerCase() }), [
    errorSummary(errors),
    paragraph(fill(gettext("Price: %(price)s."), { price })),
    h("form", { "data-form": true, novalidate: true },
      radios("delivery", gettext("How do you want to get it?"), [
        ["post", fill(gettext("By post to %(address)s"), { address: quote.address })],
        ["pickup", gettext("Pick it up at a citizen service centre")]
      ], fieldError("delivery")),
      h("div", { class: "form-group" },
        h("label", { class: "label", for: "centre" }, gettext("Citizen service centre")),
        h("select", { class: "input", id: "centre", name: "centre" },
          quote.centres.map((c) => h("option", { value: c.id }, `${c.name}, ${c.address}`)))),
      submit(gettext("Order")))
  ], { back: hash("proof-have", kind) }));
  form(async (data) => {
    if (!data.delivery) { return proofOrder(kind, [{ field: "delivery", text: gettext("Choose one.") }]); }
    try {
      const placed = await api("POST", "order", {
        body: { key, kind, delivery: data.delivery, centre: data.delivery === "pickup" ? data.centre : "", expected_price: quote.price }
      });
      proofing.secret = null;
      show(shield(gettext("Your order is placed"),
        fill(gettext("Order number %(reference)s. When it arrives, activate it on the self-service portal or in the app."), { reference: placed.reference }),
        linkButton("#", gettext("OK"))));
    } catch (error) {
      proofOrder(kind, [{ text: reasonText(error) }]);
    }
  });
}
