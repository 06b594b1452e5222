// The approval screen (seeds 003, 004): who asks, for which of the household's user IDs, the
// text exactly as the relying party sent it, and the three answers: approve (approve.js),
// Reject, and directly under it "I did not start this", which asks once, says what it blocks,
// and afterwards what happens next.
import { ApiError, call, segment } from "./api.js";
import { approveControls, wireApprove } from "./approve.js";
import { h } from "./dom.js";
import { fill, formatTime, gettext, pgettext } from "./i18n.js";
import { signApproval } from "./keys.js";
import {
  askFirst, errorSummary, linkButton, okLink, page, paragraph, reasonText, root, shield, show
} from "./screen.js";

// What the relying party asks the citizen to do, as the API names it.
const ACTIONS = {
  log_on: () => pgettext("asked to", "log on"),
  approve: () => pgettext("asked to", "approve"),
  confirm: () => pgettext("asked to", "confirm"),
  accept: () => pgettext("asked to", "accept"),
  sign: () => pgettext("asked to", "sign")
};

// A number in the text (an amount with its currency, an account number, a date) is kept on one
// line, so that "1,250.00 DKK" never wraps inside; the words around it still reflow. The text
// itself is not changed: it is what the citizen approves.
const NUMBER = /(?:\b(?:DKK|EUR|USD|GBP|SEK|NOK|kr\.?)\s?|[$€£]\s?)?\d(?:[\d.,'\u00a0\u202f-]*\d)?(?:\s?(?:%|DKK|EUR|USD|GBP|SEK|NOK|kr\.?|kroner|€|\$)(?!\p{L}))?/gu;
const LONGEST_KEPT = 24; // longer runs of digits may wrap rather than push the page sideways

export function approvalText(text) {
  const parts = [];
  let at = 0;
  for (const match of text.matchAll(NUMBER)) {
    if (match[0].length < 2 || match[0].length > LONGEST_KEPT) { continue; }
    parts.push(text.slice(at, match.index), h("span", { class: "nowrap" }, match[0]));
    at = match.index + match[0].length;
  }
  parts.push(text.slice(at));
  return h("blockquote", { class: "approval-text", lang: "" }, parts);
}

export const rejected = (text) => show(page(gettext("Rejected"), [text && paragraph(text), okLink()]));

export function review(reg, shown, errors = []) {
  const action = Object.hasOwn(ACTIONS, shown.action) ? ACTIONS[shown.action]() : shown.action;
  const minutes = shown.report_pause_minutes || 60;
  show(page(gettext("Can you approve?"), [
    errorSummary(errors),
    paragraph(`${fill(gettext("%(rp)s asks you to"), { rp: shown.rp_name })} ${action}`, { class: "rp-name" }),
    paragraph(fill(gettext("User ID: %(user_id)s"), { user_id: reg.userId }), { class: "id-name", "data-review-user-id": true }),
    shown.text && approvalText(shown.text),
    paragraph(shown.text
      ? gettext("Always read the text before you approve. If it is not what you want to do, press Reject. If you did not start this yourself, press I did not start this.")
      : gettext("Approve only if you started this yourself just now. If you did not, press I did not start this."),
    { class: "hint", "data-review-hint": true }),
    approveControls(shown.rp_name),
    h("div", { class: "answer-buttons" },
      h("button", { class: "button button--secondary", type: "button", "data-decision": "reject" }, gettext("Reject")),
      askFirst({
        name: "report", trigger: gettext("I did not start this"), triggerClass: "button button--warning",
        question: gettext("Are you sure you did not start this?"),
        details: paragraph(fill(gettext("We will stop this login, and for the next %(minutes)s minutes no login can send requests to your segl app for %(user_id)s. We record your report and confirm it to you by SMS and e-mail."),
          { minutes, user_id: reg.userId })),
        yes: gettext("Yes, report it"),
        onYes: () => decide("fraud")
      }))
  ]));
  const decide = async (decision) => {
    root.querySelectorAll("button").forEach((b) => { b.disabled = true; });
    let answer;
    try {
      const signed = await signApproval(reg.keyPair, shown, decision);
      answer = await call("POST", `requests/${segment(shown.request)}/answer`,
        { body: { approval: signed }, keyPair: reg.keyPair });
    } catch (error) {
      // A report on a login that stopped meanwhile still counts (the server records it).
      const late = decision === "fraud" && error instanceof ApiError && [409, 410].includes(error.status);
      if (!late) { return review(reg, shown, [{ text: reasonText(error) }]); }
      answer = { paused_until: new Date(Date.now() + minutes * 60000).toISOString() };
    }
    answered(reg, shown, decision, answer);
  };
  root.querySelectorAll("[data-decision]").forEach((button) =>
    button.addEventListener("click", () => decide(button.dataset.decision)));
  wireApprove(root, () => decide("approve"));
}

// Only a web address goes back to the browser (the server gives one; anything else is no link).
function returnUrl(shown) {
  try {
    const url = new URL(shown.return_url || "", location.href);
    return shown.return_url && ["https:", "http:"].includes(url.protocol) ? url.href : null;
  } catch (error) {
    return null;
  }
}

function answered(reg, shown, decision, answer) {
  const target = returnUrl(shown);
  const back = target ? linkButton(target, gettext("Return to the browser")) : okLink();
  if (decision === "approve") {
    show(shield(gettext("Approved"), "", back));
    // Same device: back to the browser by itself after a moment (seed 004).
    if (target) { window.setTimeout(() => location.assign(target), 1200); }
  } else if (decision === "fraud") {
    const until = answer && answer.paused_until;
    show(page(gettext("Thank you for telling us"), [
      h("h2", {}, gettext("What happens now")),
      h("ul", { class: "what-next" },
        h("li", {}, gettext("The login was stopped. Nothing was approved.")),
        until && h("li", {}, fill(gettext("Until %(when)s, no login can send requests to your segl app for %(user_id)s. If you have a code display, an audio code reader or a chip, you can still log in with it."),
          { when: formatTime(until), user_id: reg.userId })),
        h("li", {}, gettext("We have recorded your report, and we send you a confirmation by SMS and e-mail."))),
      h("h2", {}, gettext("What you can do")),
      paragraph(gettext("If someone asked you to approve, for example over the phone, it was an attempt at fraud: never approve anything for others. If you gave your user ID, password or a code to anyone, change your password on the self-service portal, or visit a citizen service centre. If money is involved, contact your bank and the police.")),
      back
    ]));
  } else {
    show(page(gettext("Rejected"), [back]));
  }
}
