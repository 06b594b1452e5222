// The app's words are in segl's message catalogue (gettext, domain "djangojs"): the page loads
// Django's JavaScript catalogue in its own language before this module runs, which sets the
// global gettext. The English text is the message id, as in the templates.
// Without the catalogue (it did not load) the app speaks English rather than not at all.
const gettext = window.gettext || ((text) => text);
const pgettext = window.pgettext || ((context, text) => text);

export { gettext, pgettext };

export const LANG = document.documentElement.lang === "da" ? "da" : "en";

// "Use the app as %(user_id)s" with { user_id: "demo-anna" }; a value not given is left empty.
export function fill(text, vars = {}) {
  return text.replace(/%\((\w+)\)s/g, (_, name) => String(vars[name] ?? ""));
}

// What the app says for each refusal reason the API gives.
const ERRORS = {
  activation_code_invalid: () => gettext("The user ID or the activation code is not correct, or the code has been used."),
  temporary_pin_wrong: () => gettext("The temporary PIN code is not correct."),
  activation_expired: () => gettext("The activation has expired. Start again."),
  pin_wrong: () => gettext("The PIN code is not correct. %(remaining)s attempts left before the app is locked."),
  pin_length: () => gettext("The PIN code must have 4 to 6 digits."),
  pin_digits: () => gettext("The PIN code can only contain digits."),
  pin_too_simple: () => gettext("Choose a PIN code that is harder to guess."),
  app_locked: () => gettext("The app is locked after 5 wrong PIN codes. Activate the app again."),
  app_inactive: () => gettext("This app cannot be used any longer. Activate the app again."),
  too_many_apps: () => gettext("You already have 3 active apps. Remove one before you add another."),
  unlock_needed: () => gettext("Enter your PIN code again."),
  qr_stale: () => gettext("The QR code was too old. Scan it again."),
  qr_other_flow: () => gettext("That QR code is not for this login."),
  qr_forged: () => gettext("That QR code is not from segl."),
  qr_malformed: () => gettext("That is not a segl QR code."),
  code_wrong: () => gettext("The one-time code is not correct."),
  request_cancelled: () => gettext("The request was cancelled."),
  request_expired: () => gettext("The request has expired. Start the login again."),
  request_answered: () => gettext("The request has already been answered."),
  request_unknown: () => gettext("The request was not found."),
  text_changed: () => gettext("The text changed. Nothing was approved."),
  copy_expired: () => gettext("The QR code has expired. Show a new one on the old app."),
  copy_code_wrong: () => gettext("The code is not correct. Check the new phone and try again."),
  copy_state: () => gettext("Enter the code in the old app first."),
  user_id_wrong: () => gettext("That is not the user ID of the old app."),
  no_phone: () => gettext("We have no mobile number for you. Contact segl support."),
  biometrics_failed: () => gettext("Fingerprint or face recognition did not work. Use your PIN code."),
  biometrics_expired: () => gettext("That took too long. Try again."),
  biometrics_cloned: () => gettext("This phone's biometrics cannot be trusted. Use your PIN code."),
  pin_needed: () => gettext("Enter your PIN code first."),
  network: () => gettext("segl cannot be reached. Check your connection and try again."),
  unknown: () => gettext("Something went wrong. Try again.")
};

export function errorText(reason, vars) {
  const text = Object.hasOwn(ERRORS, reason) ? ERRORS[reason]() : ERRORS.unknown();
  return fill(text, vars);
}

export function formatTime(iso) {
  return new Date(iso).toLocaleString(LANG === "da" ? "da-DK" : "en-GB", {
    dateStyle: "medium",
    timeStyle: "short"
  });
}
