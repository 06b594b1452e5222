// What every screen of the segl app shares: showing a screen (built from elements, dom.js)
// and moving focus to it, the GOV.UK form parts (error summary, fields with labels and hints),
// going to another screen, and the app's state between screens.
import { ApiError } from "./api.js";
import { h } from "./dom.js";
import { errorText, fill, gettext } from "./i18n.js";
import { registrations } from "./keys.js";
import { scanCamera, scanPicture } from "./scan.js";

export const root = document.getElementById("app");
const STATIC = root.dataset.static;
let leaving = new AbortController();

// Aborted when the screen changes: long-polls and the camera stop with it.
export function leavingSignal() {
  return leaving.signal;
}

// -- rendering helpers ----------------------------------------------------------------------

export function show(...nodes) {
  leaving.abort();
  leaving = new AbortController();
  root.replaceChildren(...nodes.flat(Infinity).filter(Boolean));
  const heading = root.querySelector("h1");
  if (heading) { heading.tabIndex = -1; heading.focus(); }
  const summary = root.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }
}

const problemTitle = () => gettext("There is a problem");

// An error may name its field (the link moves focus there) and carry a link of its own
// ({ href, text }) to a way out, such as the setting that avoids it.
export function errorSummary(errors) {
  if (!errors.length) { return null; }
  return h("div", { class: "error-summary", role: "alert", tabindex: "-1", "data-error-summary": true },
    h("h2", { class: "error-summary__title" }, problemTitle()),
    h("ul", { class: "error-summary__list" }, errors.map((e) => h("li", {}, e.field
      ? h("a", { href: `#${e.field}`, "data-focus": e.field }, e.text)
      : e.text, e.link && [" ", h("a", { href: e.link.href }, e.link.text)]))));
}

// A form group's label, hint and error, and the ids the control is described by.
function fieldParts(name, label, hint, error) {
  const describedBy = [hint ? `${name}-hint` : "", error ? `${name}-error` : ""].filter(Boolean);
  return {
    describedBy: describedBy.length ? describedBy.join(" ") : undefined,
    group: (...control) => h("div", { class: error ? "form-group form-group--error" : "form-group" },
      h("label", { class: "label", for: name }, label),
      hint && h("p", { class: "hint", id: `${name}-hint` }, hint),
      error && h("p", { class: "error-message", id: `${name}-error` },
        h("span", { class: "visually-hidden" }, `${problemTitle()}:`), " ", error),
      ...control)
  };
}

export function field({ name, label, hint, error, type = "text", inputmode, autocomplete = "off",
  value, width = "", disabled = false }) {
  const { describedBy, group } = fieldParts(name, label, hint, error);
  return group(
    h("input", {
      class: `input ${width}`.trim(), id: name, name, type, inputmode, autocomplete,
      spellcheck: "false", value: value ?? "", disabled,
      "aria-describedby": describedBy,
      "aria-invalid": error ? "true" : undefined
    }));
}

// A file to choose, with a button of the app's own in the page's language instead of the
// browser's (which speaks the browser's language and is small): the input itself is hidden,
// and the button opens its chooser. The label names the input, so the file can be set on it.
export function fileField({ name, label, hint, button, accept, error }) {
  const { describedBy, group } = fieldParts(name, label, hint, error);
  return group(
    h("input", { id: name, name, type: "file", accept, hidden: true }),
    h("p", { class: "file-choice" },
      h("button", {
        class: "button button--secondary button--file", type: "button", id: `${name}-button`,
        "data-file-for": name, "aria-describedby": describedBy
      }, button),
      " ", h("span", { class: "file-choice__name", id: `${name}-name`, "aria-live": "polite" })));
}

// A question asked once before something that cannot be undone: a button that opens it (a
// disclosure), the question (focused, so a screen reader reads it, and not a button, so a
// repeated Enter lands on nothing), and "yes" and "no" buttons. No gives focus back.
export function askFirst({ name, trigger, triggerClass = "button button--secondary", question,
  details, yes, yesClass = "button button--warning", no, onYes }) {
  const start = h("button", {
    class: triggerClass, type: "button", "aria-expanded": "false", "aria-controls": `${name}-ask`,
    "data-ask": name
  }, trigger);
  const asked = h("p", { class: "ask__question", tabindex: "-1" }, question);
  const yesButton = h("button", { class: yesClass, type: "button", "data-yes": name }, yes);
  const noButton = h("button", { class: "button button--secondary", type: "button" }, no || gettext("Cancel"));
  const panel = h("div", { class: "ask", id: `${name}-ask`, hidden: true },
    asked, details, h("div", { class: "button-row" }, yesButton, noButton));
  const open = (yesOpen) => {
    panel.hidden = !yesOpen;
    start.setAttribute("aria-expanded", String(yesOpen));
    (yesOpen ? asked : start).focus();
  };
  start.addEventListener("click", () => open(panel.hidden));
  noButton.addEventListener("click", () => open(false));
  yesButton.addEventListener("click", () => onYes(yesButton));
  return [h("p", { class: "ask__start" }, start), panel];
}

export function page(title, body, { back } = {}) {
  return [
    back && h("p", {}, h("a", { href: back, class: "back-link" }, gettext("Back"))),
    h("div", { class: "panel" }, h("h1", {}, title), body)
  ];
}

export const paragraph = (text, attributes = {}) => h("p", attributes, text);
export const linkButton = (href, text, secondary = false) =>
  h("p", {}, h("a", { class: secondary ? "button button--secondary" : "button", href }, text));
export const submit = (text, attributes = {}) =>
  h("button", { class: "button", type: "submit", ...attributes }, text);
export const okLink = () => linkButton("#", gettext("OK"));
export const spinner = () => h("div", { class: "spinner spinner--visible", "aria-hidden": "true" });
export const hash = (...parts) => `#${parts.map(encodeURIComponent).join("/")}`;

// The screen's form (data-form): onSubmit gets its fields and the button that sent it.
export function form(onSubmit) {
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
  const chooser = event.target.closest("button[data-file-for]");
  if (chooser) {
    document.getElementById(chooser.dataset.fileFor)?.click();
    return;
  }
  const link = event.target.closest("a[data-focus]");
  if (!link) { return; }
  event.preventDefault();
  const target = document.getElementById(link.dataset.focus);
  // A hidden file input is reached through its button.
  const visible = target && target.hidden ? document.getElementById(`${target.id}-button`) : target;
  if (visible) { visible.focus(); }
});

// The name of a chosen file, beside its button (fileField).
root.addEventListener("change", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || input.type !== "file") { return; }
  const shown = document.getElementById(`${input.id}-name`);
  if (shown) { shown.textContent = input.files[0] ? input.files[0].name : ""; }
});

export function reasonText(error) {
  if (error instanceof ApiError) {
    return errorText(error.reason, { remaining: error.body.remaining });
  }
  return errorText("unknown");
}

// Another screen: the router (main.js) follows the address; to the same address, it is told.
export function go(to) {
  if (location.hash === to) {
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  } else {
    location.hash = to;
  }
}

export function shield(title, body, ...extra) {
  return h("div", { class: "panel done" },
    h("img", { src: `${STATIC}segl/tick.svg`, alt: "", width: 96, height: 96 }),
    h("h1", {}, title), body && paragraph(body), extra);
}

// -- state ----------------------------------------------------------------------------------

export const session = {
  pendingKey: null,      // the key being activated, until the server has it
  activation: null,      // activation id in progress
  activationUserId: "",
  copy: null,            // copy offer on the old app
  same: null,            // {request, device} from the login page on this device
  afterUnlock: null      // {userId, run}: what the citizen asked for when the PIN was needed
};

export async function registration(userId) {
  const found = await registrations.get(userId);
  if (!found) { go("#"); throw new Error("unknown user ID"); }
  return found;
}

export const openAs = (userId) => fill(gettext("Use the app as %(user_id)s"), { user_id: userId });
export const settingsFor = (userId) => fill(gettext("Settings for %(user_id)s"), { user_id: userId });

export const userIdField = (error, value) => field({
  name: "user_id", label: gettext("User ID"), hint: gettext("Do not share your user ID with anyone."),
  error, autocomplete: "username", value
});

export const pinField = (name, label, hint, error, autocomplete, { value, disabled } = {}) => field({
  name, label, hint, error, type: "password", inputmode: "numeric", autocomplete,
  width: "input--short", value, disabled
});

// The rule a new PIN code follows (activation, and changing it), as the server checks it.
export const pinRule = () => gettext("4 to 6 digits, not all the same digit and not a run up or down such as 1234 or 9876. You will need this PIN code every time you use the app. Never share it with others.");

// The QR reader shared by login scans and copy scans: the camera, or a picture for those who
// cannot hold the phone up to a screen. A QR code is good for a few seconds only, so the
// picture must be taken and chosen at once.
export function scanner() {
  const video = h("video", { muted: true, playsinline: true, "aria-hidden": "true" });
  video.muted = true; // the attribute alone mutes only a parsed element
  return [
    h("div", { class: "camera" }, video),
    h("p", {}, h("button", { class: "button", type: "button", "data-camera": true }, gettext("Use the camera"))),
    h("form", { "data-form": true, novalidate: true },
      fileField({
        name: "picture", label: gettext("Scan from a picture"), accept: "image/*",
        hint: gettext("Take a screenshot or photo of the QR code and choose it at once: the QR code changes every second, and a picture of it is good for a few seconds only."),
        button: gettext("Choose a picture")
      }))
  ];
}

// found(text, source) gets the QR code's text, and whether it came from the "camera" or a
// "picture".
export function wireScanner(found, showErrors) {
  const signal = leaving.signal;
  root.querySelector("[data-camera]").addEventListener("click", async () => {
    try {
      root.querySelector(".camera").classList.add("is-on");
      await scanCamera(root.querySelector("video"), (text) => found(text, "camera"), signal);
    } catch (error) {
      showErrors([{ text: gettext("The camera cannot be used. Scan from a picture instead, or switch the app to one-time codes.") }]);
    }
  });
  root.querySelector("#picture").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    if (!file) { return; }
    const text = await scanPicture(file).catch(() => null);
    if (text) {
      found(text, "picture");
    } else {
      showErrors([{ field: "picture", text: gettext("No QR code was found. Try again.") }]);
    }
  });
}

