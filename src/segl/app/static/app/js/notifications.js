// The app's notifications (Web Push, RFC 8030): the browser subscribes with segl's VAPID key
// when the citizen allows notifications, segl keeps the subscription for the user ID, and the
// service worker shows what comes. The browser unsubscribes when the last user ID leaves the app.
import { call } from "./api.js";
import { gettext } from "./i18n.js";
import { registrations } from "./keys.js";

// A push service that cannot be reached can leave the browser waiting: the whole attempt gives
// up after this.
const WAIT_MS = 15000;

function within(promise, ms = WAIT_MS) {  // the promise's answer, or an error after ms
  return Promise.race([promise, new Promise((_, reject) =>
    setTimeout(() => reject(new Error("timeout")), ms))]);
}

function bytes(base64url) {
  const text = atob(base64url.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function sameKey(subscription, key) {
  const held = subscription.options && subscription.options.applicationServerKey;
  if (!held) { return false; }
  const a = new Uint8Array(held);
  const b = bytes(key);
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

export const pushSupported = () =>
  "Notification" in window && "serviceWorker" in navigator && "PushManager" in window;

// Ask for permission and subscribe this user ID. The answer is "subscribed", "denied" (the
// citizen or the phone said no), "dismissed" (no answer), or "failed" (the browser has no push,
// segl sends none, or the push service could not be reached).
export async function allowNotifications(reg) {
  if (!pushSupported()) { return "failed"; }
  const permission = await Notification.requestPermission().catch(() => "denied");
  if (permission !== "granted") { return permission === "denied" ? "denied" : "dismissed"; }
  try {
    return await within(subscribe(reg));
  } catch (error) {
    return "failed";
  }
}

async function subscribe(reg) {
  const state = await call("GET", "notifications", { keyPair: reg.keyPair });
  const key = state.application_server_key;
  if (!key) { return "failed"; }
  const worker = await navigator.serviceWorker.ready;
  let subscription = await worker.pushManager.getSubscription();
  if (subscription && !sameKey(subscription, key)) {  // segl's key changed: subscribe anew
    await subscription.unsubscribe();
    subscription = null;
  }
  subscription = subscription || await worker.pushManager.subscribe({
    userVisibleOnly: true, applicationServerKey: bytes(key)
  });
  await call("POST", "notifications", { body: { subscription: subscription.toJSON() }, keyPair: reg.keyPair });
  return "subscribed";
}

// No more notifications for this user ID; the browser's subscription goes when no user ID is
// left in the app (a household's app shares it).
export async function turnOff(reg) {
  await call("DELETE", "notifications", { keyPair: reg.keyPair });
  await unsubscribeIfLast();
}

export async function unsubscribeIfLast() {
  if (!("serviceWorker" in navigator) || (await registrations.all()).length) { return; }
  try {
    const worker = await navigator.serviceWorker.getRegistration();
    const subscription = worker && await worker.pushManager.getSubscription();
    if (subscription) { await subscription.unsubscribe(); }
  } catch (error) {
    // Nothing to undo in this browser: segl has removed the subscription already.
  }
}

// What the app says when notifications are not on, for each outcome of allowNotifications (in
// the settings, where trying again is at hand, without saying where to try again).
export function notificationsOffText(outcome, { inSettings = false } = {}) {
  if (outcome === "failed") {
    const failed = gettext("Notifications could not be set up on this phone, so segl cannot tell you when a login waits for you. When you log in, open the segl app yourself to see the request. You still get SMS and e-mails from segl about changes to your segl.");
    return inSettings ? failed : `${failed} ${gettext("You can try again in the app's settings.")}`;
  }
  return outcome === "denied"
    ? gettext("Notifications are turned off for the app, so segl cannot tell you when a login waits for you. When you log in, open the segl app yourself to see the request. You can turn notifications on in your phone's settings.")
    : gettext("You did not turn on notifications, so segl cannot tell you when a login waits for you. When you log in, open the segl app yourself to see the request.");
}
