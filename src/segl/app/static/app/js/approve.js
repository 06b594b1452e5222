// Approving takes a completed, deliberate act (decision 22), and nothing else approves:
// - the swipe: the handle dragged all the way to the end of its track and let go there, with
//   a finger, a pen or the mouse alike (Pointer Events); let go early, or dragged back, and
//   the handle returns. A tap is not a swipe. The track fills behind the handle as it goes,
//   and says "Let go to approve" once letting go would approve.
// - "Approve without swiping": a labelled button that asks a question, and "Yes, approve"
//   under it. This is the way for the keyboard, screen readers and switch access, and the
//   single-pointer alternative to the path-based swipe (WCAG 2.5.1, 2.5.7). Focus goes to the
//   question, which is not a button, so no stray Enter can carry on to approve. Approved this
//   way, the track shows the same finished swipe.
// The swipe track is hidden from assistive technology: it cannot be operated from there, and
// its hint names the button that can.
import { h } from "./dom.js";
import { fill, gettext } from "./i18n.js";

// A release counts as "at the end" within the last 5 % of the handle's travel, so a finger
// need not hit the very last pixel; anything short of it is letting go early.
const END = 0.95;

export function approveControls(rp) {
  const button = (text, attributes) => h("button", { type: "button", ...attributes }, text);
  return h("div", { class: "approve" },
    h("p", { class: "hint", id: "swipe-hint" },
      gettext("Drag the arrow all the way to the right and let go. If you cannot swipe, use Approve without swiping.")),
    h("div", { class: "swipe", "data-swipe": true, "aria-hidden": "true" },
      h("span", { class: "swipe__fill", "data-swipe-fill": true }),
      h("span", { class: "swipe__label", "data-swipe-label": true }, gettext("Swipe to approve")),
      h("span", { class: "swipe__handle", "data-swipe-handle": true }, "→")),
    h("p", {}, button(gettext("Approve without swiping"), {
      class: "button button--secondary", "data-approve-start": true,
      "aria-expanded": "false", "aria-controls": "approve-confirm"
    })),
    h("div", { class: "approve-confirm", id: "approve-confirm", "data-approve-confirm": true, hidden: true },
      h("p", { class: "approve-confirm__question", tabindex: "-1", "data-approve-question": true },
        fill(gettext("Do you approve the request from %(rp)s?"), { rp })),
      h("div", { class: "button-row" },
        button(gettext("Yes, approve"), { class: "button button--approve", "data-approve": true }),
        button(gettext("Cancel"), { class: "button button--secondary", "data-approve-cancel": true }))));
}

// Wires the controls approveControls made; onApprove runs once, after a completed act only.
export function wireApprove(container, onApprove) {
  let approved = false;
  const swipe = wireSwipe(container.querySelector("[data-swipe]"), () => approve());
  const approve = () => {
    if (approved) { return; }
    approved = true;
    swipe.showDone();
    onApprove();
  };
  wireConfirm(container, approve);
}

function wireSwipe(track, approve) {
  const handle = track.querySelector("[data-swipe-handle]");
  const label = track.querySelector("[data-swipe-label]");
  const words = { idle: label.textContent, ready: gettext("Let go to approve"), done: gettext("Approved") };
  let drag = null; // { pointerId, startX, offset } while a pointer holds the handle

  const travel = () => Math.max(0, track.clientWidth - handle.offsetWidth - 2 * handle.offsetLeft);
  // The handle at `offset`, the track filled up to it, and the words for what letting go does.
  const place = (offset, state = "idle") => {
    handle.style.transform = offset ? `translateX(${offset}px)` : "";
    track.style.setProperty("--offset", `${offset}px`); // the fill follows the handle (CSS)
    track.classList.toggle("is-ready", state !== "idle");
    label.textContent = words[state];
  };
  const ready = (offset) => { const room = travel(); return room > 0 && offset >= room * END; };

  const finish = (event, released) => {
    if (!drag || event.pointerId !== drag.pointerId) { return; }
    const atEnd = released && ready(drag.offset);
    drag = null;
    track.classList.remove("is-dragging");
    if (atEnd) {
      approve();
    } else {
      place(0);
    }
  };

  handle.addEventListener("pointerdown", (event) => {
    // One pointer at a time, the main button of a mouse, and never after the swipe is done.
    if (drag || !event.isPrimary || event.button !== 0 || track.classList.contains("is-done")) {
      return;
    }
    event.preventDefault(); // no text selection or native drag under a mouse
    drag = { pointerId: event.pointerId, startX: event.clientX, offset: 0 };
    handle.setPointerCapture(event.pointerId);
    track.classList.add("is-dragging");
  });
  handle.addEventListener("pointermove", (event) => {
    if (!drag || event.pointerId !== drag.pointerId) { return; }
    drag.offset = Math.max(0, Math.min(travel(), event.clientX - drag.startX));
    place(drag.offset, ready(drag.offset) ? "ready" : "idle");
  });
  handle.addEventListener("pointerup", (event) => finish(event, true));
  // The browser took the pointer (a scroll, a system gesture) or capture was lost: not a swipe.
  handle.addEventListener("pointercancel", (event) => finish(event, false));
  handle.addEventListener("lostpointercapture", (event) => finish(event, false));
  place(0);
  return {
    // However it was approved, the track shows the swipe finished.
    showDone() {
      drag = null;
      track.classList.remove("is-dragging");
      track.classList.add("is-done");
      place(travel(), "done");
    }
  };
}

function wireConfirm(container, approve) {
  const start = container.querySelector("[data-approve-start]");
  const confirm = container.querySelector("[data-approve-confirm]");
  const question = confirm.querySelector("[data-approve-question]");
  const open = (yes) => {
    confirm.hidden = !yes;
    start.setAttribute("aria-expanded", String(yes));
    (yes ? question : start).focus();
  };
  start.addEventListener("click", () => open(confirm.hidden));
  confirm.querySelector("[data-approve-cancel]").addEventListener("click", () => open(false));
  confirm.querySelector("[data-approve]").addEventListener("click", approve);
}
