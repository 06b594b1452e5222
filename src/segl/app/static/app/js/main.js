// The segl app: activate, unlock, approve logins, settings, copy to a new phone.
// Plain ES modules, no build step. Every screen is a form with labels, hints and an error
// summary (GOV.UK patterns), and focus moves to its heading so screen readers announce it.
// Screens are built from elements (dom.js), never from markup, and the words come from segl's
// message catalogue (i18n.js). This module routes the address's #fragment to a screen.
import { activateStart, biometrics, createPin, notifications, welcome } from "./activate.js";
import { h } from "./dom.js";
import { gettext } from "./i18n.js";
import { registrations } from "./keys.js";
import { code, sameDevice, sameDeviceBind, scan, unlock, wait } from "./login.js";
import { proofChip, proofDocument, proofFace, proofNoCpr, proofReview, proofStart, proofUserId } from "./proof.js";
import { proofActivate, proofDevice, proofHave, proofOrder, proofOther, proofUse } from "./use.js";
import { hash, openAs, page, paragraph, root, session, settingsFor, show } from "./screen.js";
import { changePin, copyNew, copyOld, settings } from "./settings.js";

async function home() {
  const all = await registrations.all();
  // A proofing waiting for review is where a returning citizen goes on.
  if (localStorage.getItem("segl.proofing")) { return proofReview(); }
  if (!all.length) { return welcome(); }
  const items = all.map((r) => h("li", { class: "id-list__item" },
    h("a", { class: "button", href: hash("unlock", r.userId) }, openAs(r.userId)),
    h("a", { href: hash("settings", r.userId) }, settingsFor(r.userId))));
  show(page(gettext("User IDs in this app"), [
    paragraph(gettext("You can share the app as a household. Each of you has your own user ID and PIN code."), { class: "hint" }),
    h("ul", { class: "id-list" }, items),
    h("p", {}, h("a", { href: "#welcome" }, gettext("Add a user ID"))),
    h("nav", { "aria-label": gettext("Menu") }, h("a", { href: "#welcome" }, gettext("Activate")))
  ]));
}

// -- routing --------------------------------------------------------------------------------

async function route() {
  const parts = location.hash.replace(/^#/, "").split("/").map(decodeURIComponent);
  const [name, a, b] = parts;
  // Request ids and tokens come from links: anything but an id goes nowhere near the API.
  const id = /^[A-Za-z0-9_-]{1,64}$/;
  if (["scan", "code", "approve"].includes(name) && !(id.test(b || "") && (name !== "approve" || id.test(a || "")))) {
    return home();
  }
  // A change waiting for the PIN is made after the unlock, and forgotten if the citizen goes
  // elsewhere instead.
  if (name !== "unlock" && name !== "settings") { session.afterUnlock = null; }
  try {
    switch (name) {
      case "": return await home();
      case "welcome": return welcome();
      case "activate": return activateStart();
      case "create-pin": return createPin();
      case "biometrics": return await biometrics(a);
      case "notifications": return await notifications(a);
      case "unlock": {
        const next = b === "same" ? hash("same", a)
          : b === "copy" ? hash("copy-old", a)
            : b === "settings" ? hash("settings", a) : undefined;
        return await unlock(a, next);
      }
      case "wait": return await wait(a);
      case "scan": return await scan(a, b);
      case "code": return await code(a, b);
      case "approve": return await sameDevice(a, b);
      case "same": return await sameDeviceBind(a);
      case "settings": return await settings(a);
      case "change-pin": return await changePin(a);
      case "copy-old": return await copyOld(a);
      case "copy-new": return copyNew();
      case "proof": return proofStart();
      case "proof-document": return proofDocument();
      case "proof-no-cpr": return proofNoCpr();
      case "proof-chip": return proofChip();
      case "proof-face": return proofFace();
      case "proof-review": return await proofReview();
      case "proof-user-id": return await proofUserId();
      case "proof-use": return proofUse();
      case "proof-other": return await proofOther();
      case "proof-device": return proofDevice();
      case "proof-have": return proofHave(a);
      case "proof-activate": return proofActivate(a);
      case "proof-order": return await proofOrder(a);
      default: return await home();
    }
  } catch (error) {
    if (error.message !== "unknown user ID") { throw error; }
  }
}

window.addEventListener("hashchange", route);
route();

// The service worker's address is a script URL, a Trusted Types sink: the app's one policy
// lets through only the worker this page names, on this origin (decision 28).
const workerPolicy = window.trustedTypes && window.trustedTypes.createPolicy("segl-app", {
  createScriptURL(url) {
    const wanted = new URL(root.dataset.worker, location.origin);
    if (new URL(url, location.origin).href !== wanted.href) {
      throw new TypeError("not the app's service worker");
    }
    return wanted.href;
  }
});

if ("serviceWorker" in navigator) {
  const worker = root.dataset.worker;
  navigator.serviceWorker.register(workerPolicy ? workerPolicy.createScriptURL(worker) : worker,
    { scope: root.dataset.appBase }).catch(() => {});
}

