import { describe, expect, test } from "vitest";
import type { EngineAction, OfferedSlot } from "../../src/ivr/engine/index.js";
import { TestCall, trees } from "./engine-harness.js";

const TREE = `
nodes:
  ask:
    type: appointment
    queue: support
    number: 'has(vars.other) ? vars.other : call.callerNumber'
    offer: 2
    prompt: sound:switchboard/appointment-offer
    optionPrompt: sound:switchboard/appointment-press
    timeout: 5
    retries: 1
    next: booked
    onError: sorry
  booked:
    type: hangup
    prompt: sound:booked
  sorry:
    type: hangup
    prompt: sound:sorry
`;

const SLOTS: OfferedSlot[] = [
  { start: Date.parse("2026-12-08T14:30:00Z"), media: ["sound:digits/today", "sound:digits/at", "number:15", "number:30"], label: "today 15:30" },
  { start: Date.parse("2026-12-09T08:00:00Z"), media: ["sound:digits/tomorrow", "sound:digits/at", "number:9", "sound:digits/oclock"], label: "tomorrow 09:00" },
  { start: Date.parse("2026-12-09T08:15:00Z"), media: ["sound:digits/tomorrow", "sound:digits/at", "number:9", "number:15"], label: "tomorrow 09:15" },
];

function call(vars = "") {
  return new TestCall(trees({ "main.yaml": vars + TREE }), "main", { callerNumber: "5551234" });
}

const only = <T extends EngineAction["type"]>(c: TestCall, type: T) => {
  const a = c.actions.filter((x): x is Extract<EngineAction, { type: T }> => x.type === type);
  expect(a).toHaveLength(1);
  return a[0]!;
};

/** The call at the point where the slots have been read out and it waits for a key. */
function offered(c = call()) {
  const ask = only(c, "appointmentSlots");
  c.send({ type: "appointmentSlots", id: ask.id, slots: SLOTS, reason: "standard places" });
  return c;
}

describe("appointment node", () => {
  test("asks the queue's calendar for as many slots as it offers, for the caller's number", () => {
    const ask = only(call(), "appointmentSlots");
    expect(ask).toMatchObject({ queue: "support", number: "5551234", count: 2 });
  });

  test("reads out the slots it offers, each with its key, after the prompt; a key interrupts", () => {
    const c = offered();
    const play = only(c, "play");
    expect(play.bargeIn).toBe(true);
    expect(play.media).toEqual([
      "sound:switchboard/appointment-offer",
      ...SLOTS[0]!.media,
      "sound:switchboard/appointment-press",
      "digits:1",
      ...SLOTS[1]!.media,
      "sound:switchboard/appointment-press",
      "digits:2",
    ]);
  });

  test("the key of a slot books that slot on the number; once booked the call goes on, the path says which", () => {
    const c = offered();
    c.press("2");
    const book = only(c, "appointmentBook");
    expect(book).toMatchObject({ queue: "support", number: "5551234", slotStart: SLOTS[1]!.start });
    c.send({ type: "appointmentResult", id: book.id, ok: true, reason: "booking b-1" });
    expect(c.state.node).toBe("main#booked");
    expect(c.state.path.find((p) => p.node === "main#ask")).toMatchObject({ choice: "2", label: "tomorrow 09:00" });
  });

  test("the number can come from a variable (another number keyed in)", () => {
    const c = call("vars: { other: '5559876' }\n");
    expect(only(c, "appointmentSlots").number).toBe("5559876");
  });

  test("a key that names no slot reads the slots again without the prompt; after the retries nothing is booked", () => {
    const c = offered();
    c.press("3");
    expect(c.actions.some((a) => a.type === "appointmentBook")).toBe(false);
    const again = only(c, "play");
    expect(again.media[0]).toBe(SLOTS[0]!.media[0]);
    expect(again.media).toContain("digits:2");
    c.press("9");
    expect(c.state.node).toBe("main#sorry");
    expect(c.actions.some((a) => a.type === "appointmentBook")).toBe(false);
  });

  test("silence after the slots: read again, then onError", () => {
    const c = offered();
    c.finishPrompt();
    c.fireTimer();
    expect(c.state.node).toBe("main#ask");
    c.finishPrompt();
    c.fireTimer();
    expect(c.state.node).toBe("main#sorry");
  });

  test("no free slot, a calendar that does not answer, or a refused booking: onError, with the reason in the path", () => {
    const none = call();
    none.send({ type: "appointmentSlots", id: only(none, "appointmentSlots").id, slots: [], reason: "no free slot within the booking horizon" });
    expect(none.state.node).toBe("main#sorry");
    expect(none.state.path.find((p) => p.node === "main#ask")?.label).toContain("no free slot");

    const silent = call();
    silent.fireTimer();
    expect(silent.state.node).toBe("main#sorry");

    const refused = offered();
    refused.press("1");
    refused.send({ type: "appointmentResult", id: only(refused, "appointmentBook").id, ok: false, reason: "the slot is full" });
    expect(refused.state.node).toBe("main#sorry");
    expect(refused.state.path.find((p) => p.node === "main#ask")?.label).toContain("full");
  });

  test("a late answer from the calendar (after its timeout) is ignored", () => {
    const c = call();
    const ask = only(c, "appointmentSlots");
    c.fireTimer();
    c.send({ type: "appointmentSlots", id: ask.id, slots: SLOTS, reason: "late" });
    expect(c.state.node).toBe("main#sorry");
    expect(c.actions.some((a) => a.type === "play" && a.media.includes("digits:1"))).toBe(false);
  });

  test("a number that is not digits books nothing and asks nothing", () => {
    const c = call("vars: { other: 'not a number' }\n");
    expect(c.actions.some((a) => a.type === "appointmentSlots")).toBe(false);
    expect(c.state.node).toBe("main#sorry");
  });
});
