// The app builds its screens from elements: text goes in as text nodes and attributes through
// setAttribute, never as markup, so nothing here is a place where a value could become HTML or
// script. That is what lets the CSP require Trusted Types (decision 28).

// h("p", { class: "hint", id: "pin-hint" }, "text", child, …): an attribute that is undefined,
// null or false is left out, true is an empty attribute; strings among the children become
// text nodes, arrays of children are spread, and null, undefined, false and "" are skipped
// (for optional parts).
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) { continue; }
    element.setAttribute(name, value === true ? "" : String(value));
  }
  element.append(...children.flat(Infinity).filter((child) =>
    child !== undefined && child !== null && child !== false && child !== ""));
  return element;
}
