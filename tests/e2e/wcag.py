"""Checks of WCAG 2.2 AA that axe-core leaves to people, measured in the browser: controls that
keep an edge in forced colours, text that survives the text-spacing bookmarklet (1.4.12),
targets of at least 24 by 24 CSS pixels (2.5.8), focus that is visible, contrasts 3:1 with what
is around it (1.4.11) and is never hidden under something fixed (2.4.11), and no motion when
motion is reduced (2.3.3 as the media query asks). Each returns what it found wrong, one line
per element; an empty list is a pass.
"""

from __future__ import annotations

from playwright.sync_api import Page

# WCAG 1.4.12's values, as the W3C's text-spacing bookmarklet sets them.
TEXT_SPACING = """
* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
    word-spacing: 0.16em !important; }
p { margin-bottom: 2em !important; }
"""

# Shared by the scripts: how an element is named in a report, and whether it is on screen.
_HELPERS = """
const describe = (el) => {
  const cls = typeof el.className === "string" && el.className.trim()
    ? "." + el.className.trim().split(/\\s+/).join(".") : "";
  const id = el.id ? "#" + el.id : "";
  const text = (el.innerText || el.value || el.getAttribute("aria-label") || "").trim()
    .replace(/\\s+/g, " ").slice(0, 40);
  return `<${el.tagName.toLowerCase()}${id}${cls}> ${JSON.stringify(text)}`;
};
const shown = (el) => {
  const box = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  return box.width > 1 && box.height > 1 && style.visibility !== "hidden"
    && !el.closest("[hidden], [aria-hidden=true]");
};
const transparent = (colour) => colour === "transparent" || /rgba\\(.*,\\s*0\\)$/.test(colour);
const INTERACTIVE = "a[href], button, input:not([type=hidden]), select, textarea, summary, "
  + "audio[controls], [role=button], [tabindex]:not([tabindex='-1'])";
"""

_EDGELESS = (
    "() => {"
    + _HELPERS
    + """
  const controls = "button, input:not([type=hidden]), select, textarea, [role=button]";
  const edge = (s, side) => !["none", "hidden"].includes(s[`border${side}Style`])
    && parseFloat(s[`border${side}Width`]) > 0 && !transparent(s[`border${side}Color`]);
  return [...document.querySelectorAll(controls)].filter(shown).filter((el) => {
    const s = getComputedStyle(el);
    const bordered = ["Top", "Right", "Bottom", "Left"].every((side) => edge(s, side));
    const outlined = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0
      && !transparent(s.outlineColor);
    // A check box or radio button the browser draws itself is drawn in system colours.
    const native = ["checkbox", "radio"].includes(el.type) && s.appearance !== "none";
    return !(bordered || outlined || native);
  }).map(describe);
}"""
)

_CLIPPED = (
    "() => {"
    + _HELPERS
    + """
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !shown(el) || el.matches("select, option, input, textarea")) continue;
    const s = getComputedStyle(el);
    if (s.display === "inline" || el.clientHeight <= 1) continue;  // visually hidden text
    const hides = (v) => v === "hidden" || v === "clip";
    if (hides(s.overflowY) && el.scrollHeight > el.clientHeight + 1) {
      out.push(`${describe(el)} is cut off at the bottom`);
    } else if (hides(s.overflowX) && el.scrollWidth > el.clientWidth + 1) {
      out.push(`${describe(el)} is cut off at the side`);
    } else if (s.overflowY === "visible" && el.scrollHeight > el.clientHeight + 1) {
      out.push(`${describe(el)} runs out of its box, over what follows`);
    }
  }
  return out;
}"""
)

_SMALL_TARGETS = (
    "() => {"
    + _HELPERS
    + """
  // WCAG 2.5.8's inline exception: a link in a sentence, as tall as the text around it.
  const inSentence = (el) => {
    if (el.tagName !== "A" || getComputedStyle(el).display !== "inline") return false;
    const block = el.parentElement.closest("p, li, dd, td, th, label, .hint, figcaption");
    return block !== null && block.textContent.trim().length > el.textContent.trim().length;
  };
  return [...document.querySelectorAll(INTERACTIVE)].filter(shown).filter((el) => {
    if (inSentence(el)) return false;
    const box = el.getBoundingClientRect();
    return box.width < 23.99 || box.height < 23.99;
  }).map((el) => {
    const box = el.getBoundingClientRect();
    return `${describe(el)} is ${box.width.toFixed(1)}x${box.height.toFixed(1)} px`;
  });
}"""
)

# Each focusable element in turn gets focus: it must match :focus-visible, show an outline, a
# ring (box-shadow) or a background of its own in a colour with 3:1 against what is behind it,
# and not be covered at its centre by anything else once the browser scrolled it into view.
_FOCUS = (
    "() => {"
    + _HELPERS
    + """
  const rgb = (text) => (text.match(/rgba?\\([^)]*\\)/g) || []).map((c) => {
    const [r, g, b, a] = c.replace(/[^\\d.,]/g, "").split(",").map(Number);
    return { r, g, b, a: a === undefined ? 1 : a };
  }).filter((c) => c.a > 0);
  const lum = ({ r, g, b }) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const contrast = (x, y) => {
    const [hi, lo] = [lum(x), lum(y)].sort((p, q) => q - p);
    return (hi + 0.05) / (lo + 0.05);
  };
  const behind = (el) => {
    for (let node = el.parentElement; node; node = node.parentElement) {
      const [bg] = rgb(getComputedStyle(node).backgroundColor);
      if (bg) return bg;
    }
    return matchMedia("(prefers-color-scheme: dark)").matches
      ? { r: 0, g: 0, b: 0 } : { r: 255, g: 255, b: 255 };
  };
  const out = [];
  const before = document.activeElement;
  for (const el of document.querySelectorAll(INTERACTIVE)) {
    if (!shown(el) || el.closest("[inert]")) continue;
    const plainBackground = getComputedStyle(el).backgroundColor;
    el.focus();
    if (document.activeElement !== el) continue;
    const s = getComputedStyle(el);
    if (!el.matches(":focus-visible")) {
      out.push(`${describe(el)}: focus is not visible`);
      continue;
    }
    const colours = [];
    if (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) {
      colours.push(...rgb(s.outlineColor));
    }
    if (s.boxShadow !== "none") colours.push(...rgb(s.boxShadow));
    if (s.backgroundColor !== plainBackground) colours.push(...rgb(s.backgroundColor));
    const around = behind(el);
    const best = Math.max(0, ...colours.map((c) => contrast(c, around)));
    if (best < 3) out.push(`${describe(el)}: the focus indicator has ${best.toFixed(2)}:1`);
    const box = el.getBoundingClientRect();
    const x = box.left + box.width / 2, y = box.top + box.height / 2;
    if (x >= 0 && y >= 0 && x < innerWidth && y < innerHeight) {
      const hit = document.elementFromPoint(x, y);
      if (hit && !el.contains(hit) && !hit.contains(el)) {
        out.push(`${describe(el)} is hidden under ${describe(hit)} when focused`);
      }
    }
  }
  if (before && before.focus) before.focus(); else document.activeElement.blur();
  return out;
}"""
)

# Under prefers-reduced-motion, only the spinner may move, slowly (it is the only sign that
# segl is still connecting); nothing else transitions, animates or scrolls smoothly.
_MOVING = (
    "() => {"
    + _HELPERS
    + """
  const out = [];
  const seconds = (list) => Math.max(...list.split(",").map(
    (d) => parseFloat(d) * (d.trim().endsWith("ms") ? 0.001 : 1)));
  for (const el of [document.documentElement, ...document.querySelectorAll("*")]) {
    for (const pseudo of [null, "::before", "::after"]) {
      const s = getComputedStyle(el, pseudo);
      const name = describe(el) + (pseudo || "");
      if (seconds(s.transitionDuration) > 0 && s.transitionProperty !== "none") {
        out.push(`${name} has a transition`);
      }
      if (s.scrollBehavior === "smooth") out.push(`${name} scrolls smoothly`);
      if (s.animationName !== "none" && seconds(s.animationDuration) > 0) {
        const spinner = el.matches(".spinner") && pseudo === "::before";
        if (!spinner || seconds(s.animationDuration) < 2) out.push(`${name} is animated`);
      }
    }
  }
  return out;
}"""
)


def stays_light(page: Page) -> list[str]:
    """Under prefers-color-scheme: dark (emulated by the caller): a page whose background is
    still light, or whose text is still dark, did not take the dark theme."""
    found: list[str] = page.evaluate(
        """() => {
          const lum = (colour) => {
            const [r, g, b] = colour.match(/[\\d.]+/g).map(Number).map((v) => {
              v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
            return 0.2126 * r + 0.7152 * g + 0.0722 * b;
          };
          const out = [];
          for (const el of document.querySelectorAll("body, .panel")) {
            const s = getComputedStyle(el);
            if (lum(s.backgroundColor) > 0.1 || lum(s.color) < 0.5) {
              const name = `<${el.tagName.toLowerCase()}.${el.className}>`;
              out.push(`${name} is ${s.color} on ${s.backgroundColor}`);
            }
          }
          return out;
        }"""
    )
    return found


def edgeless_controls(page: Page) -> list[str]:
    """Under forced colours (emulated by the caller): controls with no edge or outline."""
    found: list[str] = page.evaluate(_EDGELESS)
    return found


def clipped_text(page: Page) -> list[str]:
    """With WCAG 1.4.12's text spacing applied for the moment (as a constructed style sheet,
    which the Content Security Policy allows): text cut off or running out of its box."""
    page.evaluate(
        """(css) => {
          const sheet = new CSSStyleSheet();
          sheet.replaceSync(css);
          document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
          window.__textSpacing = sheet;
        }""",
        TEXT_SPACING,
    )
    try:
        found: list[str] = page.evaluate(_CLIPPED)
    finally:
        page.evaluate(
            """() => { document.adoptedStyleSheets = document.adoptedStyleSheets.filter(
                         (s) => s !== window.__textSpacing); }"""
        )
    return found


def small_targets(page: Page) -> list[str]:
    found: list[str] = page.evaluate(_SMALL_TARGETS)
    return found


def focus_problems(page: Page) -> list[str]:
    """Focus every focusable element in turn, as after a Tab press (so that the browser shows
    focus as it does for the keyboard)."""
    page.keyboard.press("Tab")
    found: list[str] = page.evaluate(_FOCUS)
    return found


def moving_things(page: Page) -> list[str]:
    """Under prefers-reduced-motion: reduce (emulated by the caller)."""
    found: list[str] = page.evaluate(_MOVING)
    return found
