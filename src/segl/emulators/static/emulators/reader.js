// The audio code reader's keypad: hold R (or the red button) and press a digit, as on the
// device. Without this file the keypad still works as a form with a "hold" checkbox.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    const form = document.querySelector("[data-reader]");
    if (!form) return;
    const lcd = form.querySelector("[data-lcd]");
    const red = form.querySelector("[data-red]");
    const hold = form.querySelector("[data-hold]");
    const status = document.querySelector("[data-announce]");
    const audio = document.querySelector("[data-speech]");
    const playAtOnce = document.querySelector("[data-play-at-once]");
    let keyHeld = false; // R is down on the keyboard
    let pointerHeld = false; // a finger or the mouse is on the red button
    let chorded = false; // a digit was pressed while the red button was held
    let skipRedClick = false;
    let offTimer = null;

    function held() {
      return keyHeld || pointerHeld || hold.checked;
    }

    function showHeld() {
      red.classList.toggle("key--down", keyHeld || pointerHeld);
    }

    function announce(text) {
      // Emptied first, so the same words twice are said twice.
      status.textContent = "";
      window.setTimeout(function () { status.textContent = text; }, 50);
    }

    function setSetting(name, value) {
      const element = document.querySelector('[data-setting="' + name + '"]');
      if (element && value !== undefined && value !== null) element.textContent = String(value);
    }

    function turnOffIn(seconds) {
      window.clearTimeout(offTimer);
      if (seconds > 0) {
        offTimer = window.setTimeout(function () {
          lcd.textContent = "";
          announce(form.dataset.offText);
        }, seconds * 1000);
      }
    }

    // One press at a time, in the order pressed: each waits for the one before to answer.
    let queue = Promise.resolve();
    function send(keys) {
      queue = queue.then(function () { return post(keys); });
    }

    function post(keys) {
      const body = new FormData(form);
      body.delete("key");
      body.delete("hold");
      body.set("keys", keys);
      return fetch(window.location.pathname, {
        method: "POST",
        headers: { Accept: "application/json" },
        body: body,
        credentials: "same-origin",
      })
        .then(function (response) { return response.json(); })
        .then(function (state) {
          if (state.error) { announce(state.error); return; }
          lcd.textContent = state.display;
          setSetting("language", state.language);
          setSetting("volume", state.volume);
          setSetting("speed", state.speed);
          if (state.audio) {
            audio.src = state.audio;
            if (playAtOnce.checked) audio.play().catch(function () {});
          } else if (state.event === "off") {
            audio.pause();
            audio.removeAttribute("src");
            audio.load();
          }
          announce(state.announce);
          turnOffIn(state.seconds_left);
        })
        .catch(function () { announce(form.dataset.failedText); });
    }

    function pressDigit(digit) {
      if (held()) chorded = true;
      send(held() ? "red+" + digit : digit);
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      const key = event.submitter ? event.submitter.value : "";
      if (key === "red") {
        if (skipRedClick) { skipRedClick = false; return; }
        send("red");
      } else if (/^[0-9]$/.test(key)) {
        pressDigit(key);
      }
    });

    red.addEventListener("pointerdown", function () {
      pointerHeld = true;
      chorded = false;
      showHeld();
    });
    function release() {
      if (!pointerHeld) return;
      pointerHeld = false;
      skipRedClick = chorded; // the chord was the press: the red button's click is not one
      showHeld();
    }
    red.addEventListener("pointerup", release);
    red.addEventListener("pointercancel", release);
    red.addEventListener("pointerleave", release);

    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.altKey || event.metaKey) return;
      if (event.key === "r" || event.key === "R") {
        event.preventDefault();
        if (!event.repeat && !keyHeld) {
          keyHeld = true;
          chorded = false;
          showHeld();
        }
      } else if (/^[0-9]$/.test(event.key) && !event.repeat) {
        event.preventDefault();
        pressDigit(event.key);
      }
    });
    document.addEventListener("keyup", function (event) {
      if ((event.key === "r" || event.key === "R") && keyHeld) {
        keyHeld = false;
        showHeld();
        if (!chorded) send("red");
      }
    });
    window.addEventListener("blur", function () {
      keyHeld = false; // R let go in another window: no press
      showHeld();
    });

    turnOffIn(Number(form.dataset.secondsLeft || 0));
  });
})();
