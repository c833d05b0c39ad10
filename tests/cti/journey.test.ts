import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { composeJourney } from "../../src/cti/journey.js";
import { refusedMove } from "../../src/cti/state-words.js";
import { scriptedKeys, simulateCall } from "../../src/ivr/engine/simulate.js";
import { loadTreeSources, readTreeDir } from "../../src/ivr/load.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

describe("the caller's journey in words", () => {
  test("each kind of step reads as an agent would say it; prompts and plumbing are left out", () => {
    const journey = composeJourney(
      [
        { node: "main#welcome", type: "play" },
        { node: "main#identify", type: "lookup", choice: "found" },
        { node: "main#express-check", type: "branch", choice: "default" },
        { node: "main#main-menu", type: "menu", choice: "9", label: "express upgrade" },
        { node: "express-upgrade#offer", type: "admission", choice: "open", label: "open (forecast 12 s)" },
        { node: "express-upgrade#quote", type: "purchase", choice: "1", label: "accepted 1.99 EUR, key 1, prompt v1" },
        { node: "main#support-account", type: "set" },
        { node: "main#account-number", type: "gather", choice: "8 digits" },
        { node: "main#support-queue", type: "queue", choice: "express" },
        { node: "callback#confirm", type: "menu", choice: "1", label: "this number" },
        { node: "callback#book", type: "callback", choice: "booked", label: "booked (place kept)" },
      ],
      { customerName: "Carla Diaz", purchased: ["express-upgrade"], laneNames: { express: "Priority line" } },
    );
    expect(journey).toEqual([
      "Recognised as Carla Diaz",
      "Chose express upgrade",
      "Bought the express upgrade for 1.99 EUR",
      "Typed 8 digits",
      "Waited in the queue (Priority line)",
      "Chose this number",
      "Asked to be called back",
    ]);
  });

  test("misses and refusals, unknown node kinds and repeats", () => {
    expect(
      composeJourney([
        { node: "main#identify", type: "lookup", choice: "not found" },
        { node: "main#main-menu", type: "menu", choice: "no input", label: "retries used up" },
        { node: "express-upgrade#offer", type: "admission", choice: "closed", label: "closed (the lane is full)" },
        { node: "express-upgrade#quote", type: "purchase", choice: "2", label: "declined (key 2)" },
        { node: "main#x", type: "novel", choice: "y", label: "the label says it" },
        { node: "main#x", type: "novel", choice: "y", label: "the label says it" },
        { node: "main#y", type: "novel", choice: "only a choice" },
        { node: "survey#rate", type: "survey", choice: "4 of 5" },
      ]),
    ).toEqual([
      "Not recognised by their number",
      "Chose nothing in the menu",
      "Express lane not on offer right now",
      "Declined the paid offer",
      "The label says it",
      "Only a choice",
      "Rated the call 4 of 5",
    ]);
    expect(composeJourney([{ node: "main#identify", type: "lookup", choice: "found" }])).toEqual(["Recognised by their number"]);
    expect(composeJourney([{ node: "main#identify", type: "lookup", choice: "error", label: "timed out" }])).toEqual(["Could not be looked up"]);
  });

  test("a call through the shipped trees: the path the engine records reads as words, no node ids", async () => {
    const { set } = loadTreeSources(readTreeDir(path.join(root, "ivr-trees")));
    const run = await simulateCall(set!, "main", { callId: "c", callerNumber: "5551003" }, scriptedKeys("2,40011003#"), { lookup: { found: { id: "c-1003", name: "Carla Diaz", express: false } } });
    const journey = composeJourney(run.state.path, { customerName: "Carla Diaz" });
    expect(journey).toEqual(["Recognised as Carla Diaz", "Chose technical support", "Typed 8 digits", "Waited in the queue (standard)"]);
    expect(journey.join(" ")).not.toMatch(/#|main/);
  });
});

describe("a refused state change in the agent's words", () => {
  test("the queue's message for admins is retold", () => {
    expect(refusedMove("agent 1001 cannot go from oncall to available (allowed: wrapup): the agent is on a call: end it with wrapup")).toBe(
      "Available is not possible while you are on a call. The call has to end first.",
    );
    expect(refusedMove("agent 1001 cannot go from ringing to paused")).toBe("Paused is not possible while your phone is ringing. Answer the call, or let it ring out.");
    expect(refusedMove("agent 7 cannot go from offline to offline (allowed: available, paused)")).toBe("Offline is not possible while you are offline. You can choose: Available, Paused.");
    expect(refusedMove("call gone")).toBeNull();
  });
});
