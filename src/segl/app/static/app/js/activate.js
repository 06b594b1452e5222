// Activating the app: with an activation code and the temporary PIN code from the SMS, then a
// PIN code of one's own, biometrics and notifications (seed 002).
import { ApiError, call } from "./api.js";
import { h } from "./dom.js";
import { errorText, gettext } from "./i18n.js";
import { newKeyPair, registrations } from "./keys.js";
import { allowNotifications, notificationsOffText } from "./notifications.js";
import {
  errorSummary, field, form, go, hash, linkButton, page, paragraph, pinField, pinRule,
  reasonText, registration, session, shield, show, submit, userIdField
} from "./screen.js";

export function welcome() {
  show(page(gettext("Activate your segl"), [
    paragraph(gettext("Choose how you want to activate the app on this phone.")),
    h("h2", {}, gettext("Get started")),
    linkButton("#proof", gettext("Passport/ID card")),
    paragraph(gettext("No segl yet, or lost it? Confirm who you are with your passport or ID card and your face."), { class: "hint" }),
    linkButton("#activate", gettext("I have an activation code"), true),
    linkButton("#copy-new", gettext("Copy from another segl app"), true)
  ]));
}

export function activateStart(errors = [], values = {}) {
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
    // Each empty field is named: "wrong" would send the citizen looking in the wrong place.
    const empty = [
      !data.user_id.trim() && { field: "user_id", text: errorText("user_id_missing") },
      !data.activation_code.trim() && { field: "activation_code", text: errorText("activation_code_missing") }
    ].filter(Boolean);
    if (empty.length) { return activateStart(empty, data); }
    try {
      const answer = await call("POST", "activation/start", { body: data });
      session.activation = answer.activation;
      session.activationUserId = data.user_id.trim();
      session.pendingKey = null;
      go("#create-pin");
    } catch (error) {
      const name = error.reason === "user_id_missing" ? "user_id" : "activation_code";
      activateStart([{ field: name, text: reasonText(error) }], data);
    }
  });
}

// Which field a refusal of the new PIN is about; the two PIN fields are emptied after one of
// theirs (the citizen cannot see what they typed), and nothing else ever is.
const PIN_FIELD = { temporary_pin_wrong: "temporary_pin", pin_digits: "pin", pin_length: "pin", pin_too_simple: "pin" };

export function createPin(errors = [], values = {}) {
  if (!session.activation) { return go("#"); }
  const fieldError = (name) => errors.find((e) => e.field === name)?.text;
  show(page(gettext("Create your PIN code"), [
    errorSummary(errors),
    h("form", { "data-form": true, novalidate: true },
      field({
        name: "temporary_pin", label: gettext("Temporary PIN code"),
        hint: gettext("We have sent you a temporary PIN code by SMS."),
        error: fieldError("temporary_pin"), inputmode: "numeric", autocomplete: "one-time-code",
        width: "input--short", value: values.temporary_pin
      }),
      pinField("pin", gettext("PIN code"), pinRule(), fieldError("pin"), "new-password",
        { value: values.pin }),
      pinField("pin_again", gettext("Repeat the PIN code"), undefined, fieldError("pin_again"),
        "new-password", { value: values.pin_again }),
      submit(gettext("Continue")))
  ]));
  form(async (data) => {
    const pinsEmptied = { ...data, pin: "", pin_again: "" };
    const empty = [
      !data.temporary_pin.trim() && { field: "temporary_pin", text: gettext("Enter the temporary PIN code from the SMS.") },
      !data.pin && { field: "pin", text: gettext("Choose a PIN code.") },
      data.pin && !data.pin_again && { field: "pin_again", text: gettext("Repeat the PIN code.") }
    ].filter(Boolean);
    if (empty.length) { return createPin(empty, data); }
    if (data.pin !== data.pin_again) {
      return createPin([{ field: "pin_again", text: gettext("The two PIN codes are not the same. Type the PIN code twice.") }], pinsEmptied);
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
      const name = PIN_FIELD[error.reason] || "pin";
      if (error.reason === "activation_expired") { session.activation = null; }
      createPin([{ field: name, text: reasonText(error) }], name === "pin" ? pinsEmptied : data);
    }
  });
}

async function biometricsAvailable() {
  return Boolean(window.PublicKeyCredential && PublicKeyCredential.parseCreationOptionsFromJSON &&
    await PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable().catch(() => false));
}

export const biometricsFailed = () => gettext("Fingerprint or face recognition did not work. Use your PIN code.");
export const useBiometrics = () => gettext("Use fingerprint or face recognition");

// Two answers to a question: the first as the main button, the second beside it.
function twoAnswers(first, second) {
  return h("form", { "data-form": true },
    submit(first.text, { name: "answer", value: first.value }), " ",
    submit(second.text, { name: "answer", value: second.value, class: "button button--secondary" }));
}

export async function biometrics(userId, errors = []) {
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

export async function notifications(userId) {
  const reg = await registration(userId);
  show(page(gettext("Set up notifications"), [
    paragraph(gettext("segl will tell you when a login waits for you in the app, and send you important messages about your segl.")),
    twoAnswers({ value: "allow", text: gettext("Allow notifications") },
      { value: "later", text: gettext("Not now") })
  ]));
  form(async (_data, submitter) => {
    const allow = submitter && submitter.value === "allow";
    const outcome = allow ? await allowNotifications(reg) : "dismissed";
    // Without notifications nothing tells the citizen of a login: they must look themselves.
    const state = outcome === "subscribed"
      ? h("div", { class: "notice", role: "status", "data-notifications-on": true },
        paragraph(gettext("Notifications are set up. segl will tell you when a login waits for you.")))
      : h("div", { class: "notice", role: "status", "data-notifications-off": outcome },
        paragraph(notificationsOffText(outcome)));
    show(shield(gettext("Your segl app is activated"), gettext("The app is ready to use."),
      state, linkButton(hash("unlock", userId), gettext("OK"))));
  });
}
