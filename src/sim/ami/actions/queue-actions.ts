/**
 * app_queue actions: QueueStatus, QueueSummary (lists as recorded in ami-07a/b/c and ami-09),
 * QueueAdd, QueueRemove (ami-11), QueuePause (ami-09). Error texts that were not recorded follow
 * Asterisk 22's app_queue.
 */
import { PbxError, type ChannelSnapshot, type QueueSnapshot } from "../../pbx.js";
import { orUnknown } from "../fields.js";
import { actionIdField, error, header, isTrue, listComplete, listStart, serialize, success, type ClientMessage } from "../wire.js";
import type { ActionSpec, AmiServerContext } from "./types.js";

function queuesNamed(server: AmiServerContext, name: string): QueueSnapshot[] {
  return server.pbx.listQueues().filter((q) => name === "" || q.name === name);
}

function queueStatusItems(server: AmiServerContext, m: ClientMessage, q: QueueSnapshot, member: string): string[] {
  const id = actionIdField(m);
  // app_queue puts the ActionID last in these items
  const items = [
    serialize([
      ["Event", "QueueParams"],
      ["Queue", q.name],
      ["Max", q.max],
      ["Strategy", q.strategy],
      ["Calls", q.calls],
      ["Holdtime", q.holdtime],
      ["TalkTime", q.talktime],
      ["Completed", q.completed],
      ["Abandoned", q.abandoned],
      ["ServiceLevel", q.serviceLevel],
      ["ServicelevelPerf", q.serviceLevelPerf.toFixed(1)],
      ["ServicelevelPerf2", q.serviceLevelPerf.toFixed(1)],
      ["Weight", q.weight],
      ...id,
    ]),
  ];
  for (const mem of q.members) {
    if (member !== "" && mem.interface !== member && mem.name !== member) continue;
    items.push(
      serialize([
        ["Event", "QueueMember"],
        ["Queue", q.name],
        ["Name", mem.name],
        ["Location", mem.interface],
        ["StateInterface", mem.stateInterface],
        ["Membership", mem.membership],
        ["Penalty", mem.penalty],
        ["CallsTaken", mem.callsTaken],
        ["LastCall", mem.lastCall],
        ["LastPause", mem.lastPause],
        ["LoginTime", mem.loginTime],
        ["InCall", mem.inCall ? 1 : 0],
        ["Status", mem.status],
        ["Paused", mem.paused ? 1 : 0],
        ["PausedReason", mem.pausedReason],
        ["Wrapuptime", mem.wrapupTime],
        ...id,
      ]),
    );
  }
  for (const e of q.entries) {
    const c: ChannelSnapshot | undefined = server.pbx.getChannel(e.channelId);
    if (!c) continue;
    items.push(
      serialize([
        ["Event", "QueueEntry"],
        ["Queue", q.name],
        ["Position", e.position],
        ["Channel", c.name],
        ["Uniqueid", c.id],
        ["CallerIDNum", orUnknown(c.caller.number)],
        ["CallerIDName", orUnknown(c.caller.name)],
        ["ConnectedLineNum", orUnknown(c.connected.number)],
        ["ConnectedLineName", orUnknown(c.connected.name)],
        ["Wait", e.wait],
        ["Priority", e.priority],
        ...id,
      ]),
    );
  }
  return items;
}

export const queueStatus: ActionSpec = {
  name: "QueueStatus",
  synopsis: "Show queue status.",
  privileges: [],
  run({ m, session, server }) {
    const items = queuesNamed(server, header(m, "Queue")).flatMap((q) => queueStatusItems(server, m, q, header(m, "Member")));
    session.write(listStart(m, "Queue status will follow") + items.join("") + listComplete(m, "QueueStatusComplete", items.length));
  },
};

export const queueSummary: ActionSpec = {
  name: "QueueSummary",
  synopsis: "Show queue summary.",
  privileges: [],
  run({ m, session, server }) {
    const items = queuesNamed(server, header(m, "Queue")).map((q) => {
      const loggedIn = q.members.filter((x) => x.status !== 4 && x.status !== 5);
      // available: logged in, not paused, not in a call, device not in use
      const available = loggedIn.filter((x) => !x.paused && !x.inCall && (x.status === 1 || x.status === 0));
      const longest = q.entries.reduce((mx, e) => Math.max(mx, e.wait), 0);
      return serialize([
        ["Event", "QueueSummary"],
        ["Queue", q.name],
        ["LoggedIn", loggedIn.length],
        ["Available", available.length],
        ["Callers", q.calls],
        ["HoldTime", q.holdtime],
        ["TalkTime", q.talktime],
        ["LongestHoldTime", longest],
        ...actionIdField(m),
      ]);
    });
    session.write(listStart(m, "Queue summary will follow") + items.join("") + listComplete(m, "QueueSummaryComplete", items.length));
  },
};

export const queueAdd: ActionSpec = {
  name: "QueueAdd",
  synopsis: "Add interface to queue.",
  privileges: ["agent"],
  run({ m, session, server }) {
    const queue = header(m, "Queue");
    const iface = header(m, "Interface");
    if (queue === "") return session.write(error(m, "'Queue' not specified."));
    if (iface === "") return session.write(error(m, "'Interface' not specified."));
    if (!server.pbx.listQueues().some((q) => q.name === queue)) return session.write(error(m, "Unable to add interface to queue: No such queue"));
    const penalty = Number.parseInt(header(m, "Penalty"), 10);
    try {
      server.pbx.queueAddMember(queue, {
        interface: iface,
        ...(header(m, "MemberName") !== "" ? { name: header(m, "MemberName") } : {}),
        ...(header(m, "StateInterface") !== "" ? { stateInterface: header(m, "StateInterface") } : {}),
        ...(Number.isFinite(penalty) && penalty >= 0 ? { penalty } : {}),
        ...(isTrue(header(m, "Paused")) ? { paused: true, pausedReason: header(m, "Reason") } : {}),
      });
    } catch (e) {
      if (e instanceof PbxError && e.code === "conflict") return session.write(error(m, "Unable to add interface: Already there"));
      throw e;
    }
    session.write(success(m, "Added interface to queue"));
  },
};

export const queueRemove: ActionSpec = {
  name: "QueueRemove",
  synopsis: "Remove interface from queue.",
  privileges: ["agent"],
  run({ m, session, server }) {
    const queue = header(m, "Queue");
    const iface = header(m, "Interface");
    if (queue === "" || iface === "") return session.write(error(m, "Need 'Queue' and 'Interface' parameters."));
    const q = server.pbx.listQueues().find((x) => x.name === queue);
    if (!q) return session.write(error(m, "Unable to remove interface from queue: No such queue"));
    const member = q.members.find((x) => x.interface === iface);
    if (!member) return session.write(error(m, "Unable to remove interface: Not there"));
    if (member.membership !== "dynamic") return session.write(error(m, "Member not dynamic"));
    server.pbx.queueRemoveMember(queue, iface);
    session.write(success(m, "Removed interface from queue"));
  },
};

export const queuePause: ActionSpec = {
  name: "QueuePause",
  synopsis: "Makes a queue member temporarily unavailable.",
  privileges: ["agent"],
  run({ m, session, server }) {
    const iface = header(m, "Interface");
    const pausedText = header(m, "Paused");
    if (iface === "" || pausedText === "") return session.write(error(m, "Need 'Interface' and 'Paused' parameters."));
    const paused = isTrue(pausedText);
    const queue = header(m, "Queue");
    const reason = header(m, "Reason");
    try {
      server.pbx.queuePauseMember(iface, paused, { ...(queue !== "" ? { queue } : {}), ...(reason !== "" ? { reason } : {}) });
    } catch (e) {
      if (e instanceof PbxError && e.code === "not-found") return session.write(error(m, "Interface not found"));
      throw e;
    }
    session.write(success(m, paused ? "Interface paused successfully" : "Interface unpaused successfully"));
  },
};
