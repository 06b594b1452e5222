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
  user_id_missing: () => gettext("Enter your user ID."),
  activation_code_missing: () => gettext("Enter the activation code."),
  activation_code_invalid: () => gettext("The user ID or the activation code is not correct, or the code has been used."),
  temporary_pin_wrong: () => gettext("The temporary PIN code is not correct."),
  activation_expired: () => gettext("The activation has expired. Start again."),
  pin_wrong: () => gettext("The PIN code is not correct. %(remaining)s attempts left before the app is locked."),
  pin_length: () => gettext("The PIN code must have 4 to 6 digits."),
  pin_digits: () => gettext("The PIN code can only contain digits."),
  pin_too_simple: () => gettext("Choose a PIN code that is harder to guess: not the same digit repeated, such as 1111, and not a run up or down, such as 1234 or 9876."),
  pin_same: () => gettext("The new PIN code is the same as the current one. Choose another."),
  app_locked: () => gettext("The app is locked after too many wrong PIN codes. Activate the app again."),
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
  // Identity proofing with a passport or ID card: what the citizen and an operator are told.
  not_registered: () => gettext("The passport or ID card is not registered to this CPR number, or the CPR number is not correct."),
  foreign_document: () => gettext("Only Danish passports and ID cards can be used here. With another document, go to a citizen service centre."),
  document_expired: () => gettext("The document has expired."),
  too_many_attempts: () => gettext("This document or CPR number has been tried 3 times today. Try again tomorrow, or go to a citizen service centre."),
  chip_data_changed: () => gettext("The chip data has been changed."),
  chip_data_malformed: () => gettext("The chip could not be read as a passport or ID card."),
  signature_invalid: () => gettext("The chip data is not signed by the country that issued the document."),
  signer_unknown: () => gettext("The chip data is not signed by the country that issued the document."),
  signer_not_a_signer: () => gettext("The chip data is not signed by the country that issued the document."),
  csca_untrusted: () => gettext("The country's signing certificate is not trusted."),
  csca_expired: () => gettext("The country's signing certificate has expired."),
  signer_expired: () => gettext("The certificate that signed the chip data was not valid."),
  signer_revoked: () => gettext("The certificate that signed the chip data has been revoked."),
  country_mismatch: () => gettext("The document's country and the country that signed its chip are not the same."),
  mrz_mismatch: () => gettext("The code on the document and the data in its chip are not the same."),
  chip_not_genuine: () => gettext("The chip could not prove it is genuine."),
  face_no_match: () => gettext("Your face could not be matched with the photo on the chip."),
  proofing_expired: () => gettext("It took more than 15 minutes. Start again."),
  proofing_unknown: () => gettext("The confirmation of your identity was not found. Start again."),
  proofing_state: () => gettext("Take the steps in order. Start again."),
  capture_invalid: () => gettext("Take a picture of your own face with the camera."),
  proofing_used: () => gettext("This confirmation of your identity has been used. To add more, confirm your identity again."),
  review_expired: () => gettext("Your face could not be checked in time. Start again."),
  proofing_unavailable: () => gettext("Passports and ID cards cannot be used with segl here yet."),
  cpr_invalid: () => gettext("That is not a CPR number. Type the 10 digits."),
  check_document_number: () => gettext("The check digit of the document number does not match. Check the document number."),
  check_birth_date: () => gettext("The check digit of the date of birth does not match. Check the date of birth."),
  check_expiry_date: () => gettext("The check digit of the expiry date does not match. Check the expiry date."),
  check_composite: () => gettext("The last check digit does not match. Check the whole code."),
  check_optional_data: () => gettext("The last check digit does not match. Check the whole code."),
  shape: () => gettext("Type every line of the code: two lines of 44 characters (passport), or three lines of 30 (ID card)."),
  user_id_taken: () => gettext("That user ID is taken. Choose another user ID."),
  user_id_length: () => gettext("A user ID has 4 to 64 characters."),
  user_id_characters: () => gettext("A user ID has only letters a-z, digits and the characters . - _ #."),
  user_id_cpr: () => gettext("A user ID must not be a CPR number. Choose another user ID."),
  unknown_serial: () => gettext("There is no device with that serial number. Check the back of the device."),
  not_yours: () => gettext("That device is someone else's."),
  chip_used: () => gettext("That chip cannot be activated. Check the serial number on its back."),
  model_not_accepted: () => gettext("segl does not accept this security key. Connect the chip segl sent you, the one with this serial number."),
  attestation_invalid: () => gettext("The chip could not prove that it is a genuine chip of its model. Contact a citizen service centre."),
  challenge_expired: () => gettext("That took too long. Start the activation again."),
  challenge_used: () => gettext("That took too long. Start the activation again."),
  challenge_unknown: () => gettext("That took too long. Start the activation again."),
  code_invalid: () => gettext("The one-time code is not correct."),
  password_too_short: () => gettext("The password is too short: choose one of at least 8 characters."),
  password_too_long: () => gettext("The password is too long: choose one of at most 128 characters."),
  password_common: () => gettext("That password is too common and easy to guess. Choose another password."),
  password_user_id: () => gettext("The password must not contain the user ID. Choose another password."),
  price_changed: () => gettext("The price has changed. Check it and order again."),
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
