// Building the page. Strings among an element's children become text nodes, and `text` sets textContent:
// nothing that comes from a caller, the CRM or an offer rule is ever parsed as HTML.

export const $ = (id) => document.getElementById(id);

/** Builds an element; strings among the children become text nodes. */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") node.textContent = String(v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    node.append(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return node;
}

/** An element id made from a call id (which may hold any character). */
export const safeId = (raw) => raw.replace(/[^A-Za-z0-9_-]/g, "_");

/** A card's answer line: what was sent ("done"), recorded, or refused ("error"); without a kind the look stays. */
export function showResult(node, text, kind) {
  if (kind) node.className = kind;
  node.textContent = text;
}
