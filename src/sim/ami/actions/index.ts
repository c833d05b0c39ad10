/**
 * The actions the simulator's AMI server knows, and how a message is dispatched to one, following
 * Asterisk's order of checks: a message without `Action` is an error; before login only Login and
 * Logoff run (anything else: `Permission denied`); an unknown action gets the
 * `Invalid/unknown command` answer.
 */
import { error, nonEmptyHeader, type ClientMessage } from "../wire.js";
import { classBit } from "../privileges.js";
import type { AmiSession } from "../session.js";
import { coreShowChannels, getvar, hangup, redirect, setvar, status } from "./channel-actions.js";
import { pjsipNotify } from "./notify-action.js";
import { originate } from "./originate.js";
import { events, listCommands, login, logoff, ping } from "./session-actions.js";
import { queueAdd, queuePause, queueRemove, queueStatus, queueSummary } from "./queue-actions.js";
import { command, coreSettings, coreStatus, deviceStateList, extensionState, reload } from "./system-actions.js";
import type { ActionResult, ActionSpec, AmiServerContext } from "./types.js";

export type { ActionContext, ActionResult, ActionSpec, AmiServerContext, CallCounters } from "./types.js";

export const BUILTIN_ACTIONS: readonly ActionSpec[] = [
  login,
  logoff,
  ping,
  events,
  listCommands,
  originate,
  hangup,
  getvar,
  setvar,
  status,
  coreShowChannels,
  redirect,
  command,
  coreSettings,
  coreStatus,
  deviceStateList,
  extensionState,
  reload,
  queueStatus,
  queueSummary,
  queueAdd,
  queueRemove,
  queuePause,
  pjsipNotify,
];

const ALLOWED_BEFORE_LOGIN = new Set(["login", "logoff"]);

export class ActionTable {
  private readonly byName = new Map<string, ActionSpec>();

  constructor(specs: readonly ActionSpec[]) {
    for (const s of specs) this.byName.set(s.name.toLowerCase(), s);
  }

  list(): readonly ActionSpec[] {
    return [...this.byName.values()];
  }

  /** Runs one message as Asterisk's process_message does. */
  async dispatch(server: AmiServerContext, session: AmiSession, m: ClientMessage): Promise<ActionResult> {
    const action = nonEmptyHeader(m, "Action");
    if (action === "") {
      session.write(error(m, "Missing action in request"));
      return;
    }
    const key = action.toLowerCase();
    if (!session.authenticated && !ALLOWED_BEFORE_LOGIN.has(key)) {
      session.write(error(m, "Permission denied"));
      return;
    }
    const spec = this.byName.get(key);
    if (!spec) {
      session.write(error(m, `Invalid/unknown command: ${action}. Use Action: ListCommands to show available commands.`));
      return;
    }
    const needs = spec.privileges.reduce((mask, c) => mask | classBit(c), 0);
    if (needs !== 0 && (session.writeMask & needs) === 0) {
      session.write(error(m, "Permission denied"));
      return;
    }
    try {
      return await spec.run({ m, session, server });
    } catch (e) {
      // a simulator bug, not an Asterisk answer: say so rather than leave the client waiting
      session.write(error(m, `Simulator error in ${spec.name}: ${e instanceof Error ? e.message : String(e)}`));
      return;
    }
  }
}
