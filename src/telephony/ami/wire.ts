import { AmiInvalidInputError } from "./errors.js";

/**
 * What may be sent in an AMI action, checked before anything reaches the library. AMI is line-based
 * (`Key: Value` CRLF, an empty line ends the action) and asterisk-manager writes values as they are,
 * so a CR or LF in caller-controlled text (a caller id, a variable) would end the action early and
 * smuggle in a second one. Every key, variable name and value is checked; NUL is refused too.
 */
export type AmiFieldValue = string | number | boolean | readonly string[] | Readonly<Record<string, string>>;
export type AmiFields = Readonly<Record<string, AmiFieldValue | undefined>>;

/** A message as asterisk-manager delivers it: lower-cased keys, arrays for repeated keys. */
export type AmiMessage = Readonly<Record<string, string | string[] | Record<string, string>>>;

const ACTION_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const KEY = /^[A-Za-z][A-Za-z0-9_-]*$/;
const FORBIDDEN = /[\r\n\0]/;
const RESERVED_KEYS = new Set(["action", "actionid"]);

function describe(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}...` : text);
}

function checkText(where: string, text: string): string {
  if (FORBIDDEN.test(text)) throw new AmiInvalidInputError(`${where} contains CR, LF or NUL: ${describe(text)}`);
  return text;
}

/**
 * Validates an action and returns the object asterisk-manager expects (values as strings, arrays and
 * variable maps kept). Throws AmiInvalidInputError; never partially succeeds.
 */
export function buildAction(action: string, fields: AmiFields, actionId: string): Record<string, string | string[] | Record<string, string>> {
  if (typeof action !== "string" || !ACTION_NAME.test(action)) throw new AmiInvalidInputError(`invalid AMI action name ${describe(String(action))}`);
  checkText("ActionID", actionId);
  const out: Record<string, string | string[] | Record<string, string>> = { action, actionid: actionId };
  for (const [key, value] of Object.entries(fields)) {
    if (!KEY.test(key)) throw new AmiInvalidInputError(`invalid AMI header name ${describe(key)}`);
    if (RESERVED_KEYS.has(key.toLowerCase())) throw new AmiInvalidInputError(`header ${key} is set by the gateway`);
    if (value === undefined) continue;
    if (typeof value === "string") out[key] = checkText(`header ${key}`, value);
    else if (typeof value === "number") {
      if (!Number.isFinite(value)) throw new AmiInvalidInputError(`header ${key} is not a finite number`);
      out[key] = String(value);
    } else if (typeof value === "boolean") out[key] = value ? "true" : "false";
    else if (Array.isArray(value)) {
      out[key] = (value as readonly unknown[]).map((item, i) => {
        if (typeof item !== "string") throw new AmiInvalidInputError(`header ${key}[${i}] is not a string`);
        return checkText(`header ${key}[${i}]`, item);
      });
    } else if (value && typeof value === "object") {
      const map: Record<string, string> = {};
      for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
        if (name.length === 0 || name.includes("=") || name.trim() !== name) throw new AmiInvalidInputError(`invalid name ${describe(name)} in header ${key}`);
        checkText(`name in header ${key}`, name);
        if (typeof v !== "string") throw new AmiInvalidInputError(`value of ${key} ${name} is not a string`);
        map[name] = checkText(`value of ${key} ${name}`, v);
      }
      out[key] = map;
    } else {
      throw new AmiInvalidInputError(`header ${key} has an unsupported value type`);
    }
  }
  return out;
}

/** The first value of a key (repeated keys arrive as arrays), or undefined. */
export function field(msg: AmiMessage, key: string): string | undefined {
  const v = msg[key];
  if (typeof v === "string") return v;
  if (Array.isArray(v)) return v[0];
  return undefined;
}

/** Case-insensitive compare, for `Response: Success` / `EventList: Complete` style values. */
export function is(value: string | undefined, expected: string): boolean {
  return value !== undefined && value.toLowerCase() === expected.toLowerCase();
}
