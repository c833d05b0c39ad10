/** app_queue in AMI: callers joining and leaving, agents rung and connected, member changes. */
import type { QueueAgentEvent, QueueCallerJoinLeaveEvent, QueueMemberEvent } from "../../pbx.js";
import { channelFields, memberFields, type FieldList } from "../fields.js";
import type { AmiEvent, TranslatorTable } from "./types.js";

function callerJoinLeave(e: QueueCallerJoinLeaveEvent): AmiEvent {
  return { name: e.type, category: "agent", fields: [...channelFields(e.channel), ["Queue", e.queue], ["Position", e.position], ["Count", e.count]] };
}

/** The caller and agent channels, the queue and member, then what each agent event adds. */
function agent(e: QueueAgentEvent): AmiEvent {
  const fields: FieldList = [
    ...channelFields(e.channel),
    ...channelFields(e.destChannel, "Dest"),
    ["Queue", e.queue],
    ["Interface", e.member.interface],
    ["MemberName", e.member.name],
  ];
  if (e.type === "AgentRingNoAnswer") fields.push(["RingTime", e.ringTime ?? 0]);
  if (e.type === "AgentConnect") fields.push(["HoldTime", e.holdTime ?? 0], ["RingTime", e.ringTime ?? 0]);
  if (e.type === "AgentComplete") fields.push(["HoldTime", e.holdTime ?? 0], ["TalkTime", e.talkTime ?? 0], ["Reason", e.reason ?? "agent"]);
  return { name: e.type, category: "agent", fields };
}

function member(e: QueueMemberEvent): AmiEvent {
  return { name: e.type, category: "agent", fields: memberFields(e.member) };
}

export const queueEvents: TranslatorTable = {
  QueueCallerJoin: callerJoinLeave,
  QueueCallerLeave: callerJoinLeave,
  QueueCallerAbandon: (e) => ({
    name: e.type,
    category: "agent",
    fields: [
      ...channelFields(e.channel),
      ["Queue", e.queue],
      ["Position", e.position],
      ["OriginalPosition", e.originalPosition],
      ["HoldTime", e.holdTime],
    ],
  }),
  AgentCalled: agent,
  AgentRingNoAnswer: agent,
  AgentConnect: agent,
  AgentComplete: agent,
  QueueMemberStatus: member,
  QueueMemberAdded: member,
  QueueMemberRemoved: member,
  QueueMemberPause: member,
};
