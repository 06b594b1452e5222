// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("DOMContentLoaded", function () {
    // GOV.UK pattern: move focus to the error summary so screen readers announce it.
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
      // A summary link focuses its field and shows the field's label, without changing the
      // address (a fragment there would steal focus from the next error summary).
      summary.addEventListener("click", function (event) {
        var link = event.target.closest("a[href^='#']");
        if (!link) { return; }
        var field = document.getElementById(link.getAttribute("href").slice(1));
        if (!field) { return; }
        event.preventDefault();
        var label = document.querySelector("label[for='" + field.id + "'], legend");
        (label || field).scrollIntoView();
        field.focus({ preventScroll: true });
      });
    }

    // A new step of the login: focus on its heading, so a screen reader says where it is now
    // (an error summary, focused above, comes first).
    var heading = document.querySelector("[data-step-heading]");
    if (heading && !summary) { heading.focus({ preventScroll: true }); }

    // A spinner while it connects (seed 003: "If the circle is spinning ...").
    document.querySelectorAll("form[data-connecting]").forEach(function (form) {
      form.addEventListener("submit", function () {
        form.classList.add("is-connecting");
        var status = form.querySelector("[data-status]");
        if (status) { status.textContent = status.getAttribute("data-status"); }
      });
    });

    // The app step: a new QR code every second, and the next page as soon as the app answers.
    var appStep = document.querySelector("[data-app-step]");
    if (appStep) { followAppStep(appStep); }

    // The customer display and the desk: the page comes again when what it shows has changed
    // (the desk asked something, the citizen answered), unless a field is being typed in.
    var follow = document.querySelector("[data-follow-version]");
    if (follow) { followVersion(follow); }

    // The shield with a tick returns to the website by itself after a moment.
    var next = document.querySelector("[data-continue-after]");
    if (next) {
      window.setTimeout(function () { window.location.assign(next.getAttribute("href")); },
        parseInt(next.getAttribute("data-continue-after"), 10));
    }
  });

  function followVersion(element) {
    var url = element.getAttribute("data-follow-version");
    var known = element.getAttribute("data-version");
    window.setInterval(function () {
      var typing = document.activeElement && document.activeElement.matches("input, textarea");
      if (typing && document.activeElement.value) { return; }
      fetch(url, { credentials: "same-origin", cache: "no-store" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (data && String(data.version) !== known) { window.location.reload(); }
        })
        .catch(function () { /* the next try may reach it */ });
    }, 2000);
  }

  function followAppStep(step) {
    var state = step.getAttribute("data-state");
    var status = step.querySelector("[data-app-status]");
    var qr = step.querySelector("img[data-qr]");
    if (qr && state === "pending") { animateQr(step, qr, status); }
    if (state !== "pending" && state !== "bound") { return; }
    // A minute before the request runs out, say so (WCAG 2.2.1: the time can be known).
    var left = parseInt(step.getAttribute("data-seconds-left"), 10) || 0;
    if (left > 60) {
      window.setTimeout(function () {
        status.textContent = step.getAttribute("data-expiring-text");
      }, (left - 60) * 1000);
    }
    var url = step.getAttribute("data-status-url");
    function poll() {
      fetch(url + "?since=" + encodeURIComponent(state) + "&wait=25", { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (answer) {
          if (answer && answer.state !== state) {
            // Said first, then the next page (whose heading takes focus).
            status.textContent = step.getAttribute("data-approved-text");
            window.setTimeout(function () { window.location.assign(answer.next); }, 600);
            return;
          }
          window.setTimeout(poll, answer ? 0 : 2000);
        })
        .catch(function () { window.setTimeout(poll, 2000); });
    }
    poll();
  }

  // A new QR code every second, unless the person stops it (WCAG 2.2.2 Pause, Stop, Hide).
  function animateQr(step, qr, status) {
    var base = step.getAttribute("data-qr-url");
    var pause = step.querySelector("[data-qr-pause]");
    var timer = null;
    function start() {
      timer = window.setInterval(function () {
        var next = new Image();
        next.onload = function () { qr.src = next.src; };
        next.src = base + "?t=" + Date.now();
      }, 1000);
    }
    start();
    if (!pause) { return; }
    pause.addEventListener("click", function () {
      var stopping = timer !== null;
      if (stopping) { window.clearInterval(timer); timer = null; } else { start(); }
      pause.setAttribute("aria-pressed", stopping ? "true" : "false");
      pause.textContent = pause.getAttribute(stopping ? "data-resume-text" : "data-pause-text");
      if (stopping) { status.textContent = pause.getAttribute("data-paused-text"); }
    });
  }
})();
