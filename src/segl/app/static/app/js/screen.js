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

export function errorSummary(errors) {
  if (!errors.length) { return null; }
  return h("div", { class: "error-summary", role: "alert", tabindex: "-1", "data-error-summary": true },
    h("h2", { class: "error-summary__title" }, problemTitle()),
    h("ul", { class: "error-summary__list" }, errors.map((e) => h("li", {}, e.field
      ? h("a", { href: `#${e.field}`, "data-focus": e.field }, e.text)
      : e.text))));
}

export function field({ name, label, hint, error, type = "text", inputmode, autocomplete = "off",
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
  const link = event.target.closest("a[data-focus]");
  if (!link) { return; }
  event.preventDefault();
  const target = document.getElementById(link.dataset.focus);
  if (target) { target.focus(); }
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
  same: null             // {request, device} from the login page on this device
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

export const pinField = (name, label, hint, error, autocomplete) => field({
  name, label, hint, error, type: "password", inputmode: "numeric", autocomplete,
  width: "input--short"
});

// The QR reader shared by login scans and copy scans: the camera, or a picture for those who
// cannot hold the phone up to a screen.
export function scanner() {
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

export function wireScanner(found, showErrors) {
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

