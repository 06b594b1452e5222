// Getting segl with a passport or ID card (seeds 000, 001: scan the code on the document,
// read its chip, scan your face), then the user ID. Step 5 is in use.js. The proofing's
// secret is kept in this browser until the proofing ends, so a citizen whose face goes to
// review can come back to it.
import { ApiError, call } from "./api.js";
import { answer, readDocument, toBase64 } from "./chip.js";
import { h } from "./dom.js";
import { gettext } from "./i18n.js";
import { problems } from "./mrz.js";
import {
  errorSummary, field, fileField, form, go, linkButton, page, paragraph, reasonText, root, show,
  spinner, submit
} from "./screen.js";

const KEY = "segl.proofing";
const DEMO = root.dataset.demo ? new URL(root.dataset.demo, location.origin) : null;
export const proofing = {
  get secret() { return localStorage.getItem(KEY); },
  set secret(value) { if (value) { localStorage.setItem(KEY, value); } else { localStorage.removeItem(KEY); } },
  document: null // the chosen document file (the emulated chip), for this page's life
};

export const api = (method, path, options = {}) =>
  call(method, `proofing/${path}`, { ...options, bearer: proofing.secret });

// What ends a proofing: say why and what to do, and forget it here.
function ended(error) {
  proofing.secret = null;
  show(page(gettext("We could not confirm your identity"), [
    h("div", { class: "notice", role: "alert" }, paragraph(reasonText(error))),
    paragraph(gettext("You can get segl at a citizen service centre (Borgerservice) instead. Bring your passport or another valid ID.")),
    linkButton("#", gettext("OK"))
  ]));
}

const ENDS = new Set([
  "not_registered", "foreign_document", "document_expired", "too_many_attempts", "chip_data_changed",
  "chip_data_malformed", "signature_invalid", "signer_unknown", "signer_not_a_signer", "csca_untrusted",
  "csca_expired", "signer_expired", "signer_revoked", "country_mismatch", "mrz_mismatch",
  "chip_not_genuine", "face_no_match", "proofing_expired", "proofing_unknown", "proofing_unavailable",
  "review_expired"
]);
const isEnd = (error) => ENDS.has(error.reason);

export function proofStart(errors = []) {
  const fieldError = errors.find((e) => e.field === "terms")?.text;
  show(page(gettext("Confirm your identity with your passport or ID card"), [
    errorSummary(errors),
    paragraph(gettext("You will go through three steps:")),
    h("ol", {},
      h("li", {}, gettext("Scan the code on your passport or ID card.")),
      h("li", {}, gettext("Read the chip in your passport or ID card.")),
      h("li", {}, gettext("Scan your face."))),
    h("details", { class: "details" },
      h("summary", {}, gettext("Privacy notice")),
      paragraph(gettext("segl reads the code and the chip of your document to check that it is genuine and yours, and compares your face with the photo on the chip. The pictures are deleted once your identity is confirmed or refused. segl keeps only how your identity was confirmed: the kind of document, the country that issued it, and who or what compared the faces."))),
    h("form", { "data-form": true, novalidate: true },
      h("div", { class: fieldError ? "form-group form-group--error" : "form-group" },
        fieldError && h("p", { class: "error-message", id: "terms-error" }, fieldError),
        h("div", { class: "checkbox" },
          h("input", { type: "checkbox", id: "terms", name: "terms", value: "yes", "aria-describedby": fieldError ? "terms-error" : undefined }),
          h("label", { for: "terms" }, gettext("I accept the terms and conditions and have read the privacy notice")))),
      submit(gettext("Get started")))
  ], { back: "#welcome" }));
  form(async (data) => {
    if (data.terms !== "yes") {
      return proofStart([{ field: "terms", text: gettext("Accept the terms and conditions to go on.") }]);
    }
    try {
      const started = await call("POST", "proofing/", { body: {} });
      proofing.secret = started.proofing;
      await api("POST", "terms");
      go("#proof-document");
    } catch (error) {
      proofStart([{ text: reasonText(error) }]);
    }
  });
}

const CHECKS = {
  shape: () => gettext("Type every line of the code: two lines of 44 characters (passport), or three lines of 30 (ID card)."),
  document_number: () => gettext("The check digit of the document number does not match. Check the document number."),
  birth_date: () => gettext("The check digit of the date of birth does not match. Check the date of birth."),
  expiry_date: () => gettext("The check digit of the expiry date does not match. Check the expiry date."),
  composite: () => gettext("The last check digit does not match. Check the whole code.")
};

export function proofDocument(errors = [], values = {}) {
  if (!proofing.secret) { return go("#proof"); }
  const fieldError = (name) => errors.find((e) => e.field === name)?.text;
  const describedBy = ["mrz-hint", fieldError("mrz") ? "mrz-error" : ""].filter(Boolean).join(" ");
  show(page(gettext("Scan the code on your passport or ID card"), [
    errorSummary(errors),
    h("div", { class: "notice" },
      paragraph(gettext("This web app cannot use the camera to read the code, and no browser can read a passport's chip. The segl app for phones does both. Here you choose the document file of an emulated passport or ID card, or type the code."))),
    DEMO && [
      fileField({
        name: "document", label: gettext("Document file (emulated passport or ID card)"),
        hint: gettext("A file made by segl passport make. Its code is filled in below and its chip is read in the next step."),
        button: gettext("Choose a file"), accept: ".json,application/json", error: fieldError("document")
      }),
      h("p", {}, h("a", { href: new URL("documents/", DEMO).href, target: "_blank", rel: "noopener" }, gettext("Download a demo document")))],
    h("form", { "data-form": true, novalidate: true },
      field({
        name: "cpr", label: gettext("CPR number"), hint: gettext("10 digits, for example 010203-1234."),
        error: fieldError("cpr"), inputmode: "numeric", autocomplete: "off", value: values.cpr, width: "input--short"
      }),
      h("div", { class: fieldError("mrz") ? "form-group form-group--error" : "form-group" },
        h("label", { class: "label", for: "mrz" }, gettext("The code on the document")),
        paragraph(gettext("The lines at the bottom of the photo page (passport) or the back (ID card), with < for each arrow."), { class: "hint", id: "mrz-hint" }),
        fieldError("mrz") && h("p", { class: "error-message", id: "mrz-error" }, fieldError("mrz")),
        h("textarea", {
          class: "input mrz", id: "mrz", name: "mrz", rows: 3, spellcheck: "false", autocomplete: "off",
          autocapitalize: "characters", "aria-describedby": describedBy
        }, values.mrz || (proofing.document ? proofing.document.printed_mrz : "")),
        paragraph("", { class: "hint", role: "status", "aria-live": "polite", "data-mrz-status": true })),
      submit(gettext("Continue"))),
    h("p", {}, h("a", { href: "#proof-no-cpr" }, gettext("I do not have a Danish CPR number")))
  ], { back: "#proof" }));
  const area = root.querySelector("#mrz");
  const status = root.querySelector("[data-mrz-status]");
  const check = () => {
    const found = problems(area.value);
    status.textContent = !area.value.trim() ? ""
      : found.length ? CHECKS[found[0]]() : gettext("All check digits are correct.");
  };
  area.addEventListener("input", check);
  check();
  const file = root.querySelector("#document");
  if (file) {
    file.addEventListener("change", async () => {
      try {
        proofing.document = await readDocument(file.files[0]);
        area.value = proofing.document.printed_mrz;
        check();
      } catch (error) {
        proofDocument([{ field: "document", text: gettext("That is not a document file.") }], { cpr: root.querySelector("#cpr").value });
      }
    });
  }
  form(async (data) => {
    const found = problems(data.mrz);
    if (found.length) { return proofDocument([{ field: "mrz", text: CHECKS[found[0]]() }], data); }
    try {
      await api("POST", "document", { body: { cpr: data.cpr.trim(), mrz: data.mrz.toUpperCase().replace(/[ \t]/g, "") } });
      go("#proof-chip");
    } catch (error) {
      if (isEnd(error)) { return ended(error); }
      proofDocument([{ field: error.reason.startsWith("cpr") ? "cpr" : "mrz", text: reasonText(error) }], data);
    }
  });
}

export function proofNoCpr() {
  show(page(gettext("Without a Danish CPR number"), [
    paragraph(gettext("segl with a passport or ID card needs a CPR number, or a personal number from the register's process for people without one. Go to a citizen service centre (Borgerservice) with your passport: they help you get a number and segl.")),
    linkButton("#", gettext("OK"))
  ], { back: "#proof-document" }));
}

export function proofChip(errors = []) {
  if (!proofing.secret) { return go("#proof"); }
  show(page(gettext("Read the chip in your passport or ID card"), [
    errorSummary(errors),
    paragraph(gettext("On a phone, you hold the document to the back of the phone until it has been read. In this web app, the chip is read from the document file you chose.")),
    !proofing.document && fileField({
      name: "chipfile", label: gettext("Document file (emulated passport or ID card)"),
      button: gettext("Choose a file"), accept: ".json,application/json"
    }),
    h("form", { "data-form": true, novalidate: true }, submit(gettext("Read the chip")))
  ], { back: "#proof-document" }));
  const chosen = root.querySelector("#chipfile");
  if (chosen) {
    chosen.addEventListener("change", async () => {
      proofing.document = await readDocument(chosen.files[0]).catch(() => null);
    });
  }
  form(async () => {
    if (!proofing.document) {
      return proofChip([{ field: "chipfile", text: gettext("Choose the document file first.") }]);
    }
    show(page(gettext("Reading the chip…"), [spinner(), paragraph(gettext("Keep the document still."), { role: "status" })]));
    try {
      const asked = await api("POST", "chip", { body: { groups: proofing.document.groups, sod: proofing.document.sod } });
      await api("POST", "chip/answer", { body: await answer(proofing.document, asked) });
      go("#proof-face");
    } catch (error) {
      if (isEnd(error)) { return ended(error); }
      proofChip([{ text: reasonText(error) }]);
    }
  });
}

async function capture(video) {
  const canvas = h("canvas", { width: video.videoWidth || 240, height: video.videoHeight || 320 });
  canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.85));
  return new Uint8Array(await blob.arrayBuffer());
}

export function proofFace(errors = []) {
  if (!proofing.secret) { return go("#proof"); }
  const video = h("video", { muted: true, playsinline: true, "aria-hidden": "true" });
  video.muted = true;
  const seed = proofing.document && proofing.document.face_seed;
  show(page(gettext("Scan your face"), [
    errorSummary(errors),
    paragraph(gettext("Hold the phone in front of your face, in good light, and look at the screen.")),
    h("div", { class: "camera" }, video),
    h("form", { "data-form": true, novalidate: true },
      submit(gettext("Use the camera"), { name: "source", value: "camera" }),
      DEMO && seed && h("fieldset", { class: "fieldset" },
        h("legend", { class: "label" }, gettext("Emulated camera")),
        paragraph(gettext("In the demo, the camera can show the document holder's face or another person's."), { class: "hint" }),
        submit(gettext("Show the holder's face"), { name: "source", value: "holder", class: "button button--secondary" }), " ",
        submit(gettext("Show another face"), { name: "source", value: "other", class: "button button--secondary" })))
  ], { back: "#proof-chip" }));
  let stream = null;
  form(async (_data, submitter) => {
    const source = submitter ? submitter.value : "camera";
    let picture;
    try {
      if (source === "camera") {
        if (!stream) {
          stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "user" } });
          video.srcObject = stream;
          root.querySelector(".camera").classList.add("is-on");
          await video.play();
          return;
        }
        picture = await capture(video);
        stream.getTracks().forEach((t) => t.stop());
      } else {
        const of = source === "holder" ? seed : `not ${seed}`;
        const url = new URL("documents/face.jpg", DEMO);
        url.search = new URLSearchParams({ of, take: String(Date.now() % 1000) }).toString();
        picture = new Uint8Array(await (await fetch(url)).arrayBuffer());
      }
    } catch (error) {
      return proofFace([{ text: gettext("The camera cannot be used. Allow the app to use the camera and try again.") }]);
    }
    try {
      const decided = await api("POST", "face", { body: { capture: toBase64(picture) } });
      go(decided.decision === "match" ? "#proof-user-id" : "#proof-review");
    } catch (error) {
      if (isEnd(error)) { return ended(error); }
      proofFace([{ text: reasonText(error) }]);
    }
  });
}

// Where the proofing stands; null (and the reason shown) when it has ended or is unknown.
async function proofingState() {
  try {
    return await api("GET", "state");
  } catch (error) {
    ended(error);
    return null;
  }
}

// The app opened again with a proofing kept: on with it where it can go on.
export async function proofReview() {
  if (!proofing.secret) { return go("#"); }
  const state = await proofingState();
  if (!state) { return; }
  if (state.state === "verified") { return go(state.user_id ? "#proof-use" : "#proof-user-id"); }
  if (state.state === "refused") { return ended(new ApiError(409, { reason: state.refusal })); }
  if (state.state !== "review") {
    proofing.secret = null; // left before the face: the document file is gone, start again
    return go("#welcome");
  }
  show(page(gettext("We are checking your face"), [
    paragraph(gettext("A trained person compares your face with the photo on the chip. We will send you an SMS when it has been checked, usually within a day. Then open the app again.")),
    h("form", { "data-form": true }, submit(gettext("Check again")))
  ]));
  form(async () => proofReview());
}

export async function proofUserId(errors = [], values = {}) {
  if (!proofing.secret) { return go("#"); }
  const state = await proofingState();
  if (!state) { return; }
  if (state.user_id) { return go("#proof-use"); }
  const fieldError = errors.find((e) => e.field === "user_id")?.text;
  const choose = async (body) => {
    try {
      await api("POST", "identity", { body });
      go("#proof-use");
    } catch (error) {
      if (isEnd(error)) { return ended(error); }
      proofUserId([{ field: "user_id", text: reasonText(error) }], body);
    }
  };
  if (state.has_segl) {
    show(page(gettext("You already have segl"), [
      errorSummary(errors),
      paragraph(gettext("Your identity is confirmed. Do you want to add to the segl you have, or start again because you have lost what you used?")),
      h("form", { "data-form": true },
        submit(gettext("Add to my segl"), { name: "answer", value: "add" }), " ",
        submit(gettext("Start again"), { name: "answer", value: "restart", class: "button button--secondary" })),
      paragraph(gettext("If you start again, your code display, audio code reader, chip and apps stop working, and we tell you by SMS and e-mail."), { class: "hint" })
    ]));
    return form(async (_data, submitter) => choose({ restart: Boolean(submitter && submitter.value === "restart") }));
  }
  show(page(gettext("Choose your user ID"), [
    errorSummary(errors),
    h("div", { class: "notice", role: "status" }, paragraph(gettext("Your identity is confirmed."))),
    h("form", { "data-form": true, novalidate: true },
      field({
        name: "user_id", label: gettext("User ID"), error: fieldError, autocomplete: "username", value: values.user_id,
        hint: gettext("4 to 64 characters: letters, digits and . - _ #. Not your CPR number. You use it every time you log in.")
      }),
      submit(gettext("Continue")))
  ]));
  form(async (data) => choose({ user_id: data.user_id.trim() }));
}
