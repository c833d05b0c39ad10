// Building the board's DOM without HTML strings: every text goes in as textContent, so a queue or lane name
// from the config can never become markup.

const SVG_NS = "http://www.w3.org/2000/svg";

function fill(node, attrs, children) {
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") node.textContent = String(value);
    else if (key === "class") node.setAttribute("class", value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

/** An HTML element: `el("p", { class: "note", text: "..." })`, children after. */
export const el = (tag, attrs = {}, ...children) => fill(document.createElement(tag), attrs, children);

/** An SVG element, the same way. */
export const svg = (tag, attrs = {}, ...children) => fill(document.createElementNS(SVG_NS, tag), attrs, children);

export const byId = (id) => document.getElementById(id);

/** An id safe for the DOM from a config name (names are lower-case words already; this only guards). */
export const domId = (...parts) => parts.map((p) => String(p).replace(/[^A-Za-z0-9_-]/g, "_")).join("--");
