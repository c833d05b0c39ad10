/** Scenario files: the shipped ones validate; mistakes are reported with file, field and line. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadScenario, parseScenario, planArrivals, ScenarioError } from "../../src/sim/scenario/index.js";

const dir = mkdtempSync(path.join(tmpdir(), "sb-scenario-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ScenarioError) return e.message.split("\n");
    throw e;
  }
  throw new Error("no error");
}

const VALID = `
seed: 1
duration: 60
arrivals: { rate: 6 }
callers:
  mix:
    - { profile: a, weight: 1, numbers: ["5551001"], did: "800" }
`;

describe("scenario files", () => {
  it("ships a demo and a smoke scenario that validate", () => {
    const demo = loadScenario("src/sim/scenarios/demo.yaml");
    // the demo's rate is sized from its agents (scenario-sizing.test.ts)
    expect(demo.arrivals).toEqual({ occupancy: 0.85, reach: 0.95 });
    expect(demo.agents.map((a) => a.endpoint)).toEqual(["PJSIP/1001", "PJSIP/1002", "PJSIP/1003", "PJSIP/1004"]);
    expect(demo.agents.every((a) => a.registered)).toBe(true);
    const smoke = loadScenario("src/sim/scenarios/smoke.yaml");
    expect(planArrivals(smoke).length).toBeGreaterThan(0);
  });

  it("fills in defaults", () => {
    const s = parseScenario(VALID);
    expect(s).toMatchObject({ timeScale: 1, app: "switchboard", agents: [], prompts: { default: 3, durations: {} } });
  });

  it("names the file, the field and the line of each problem", () => {
    const file = path.join(dir, "bad.yaml");
    writeFileSync(
      file,
      `seed: 1
duration: 60
arrivals:
  rate: -2
callers:
  mix:
    - profile: a
      weight: 1
      numbers: ["5551001"]
      did: "800"
      presses: "9"
agents:
  - { endpoint: PJSIP/1001 }
  - { endpoint: PJSIP/1002, noAnswerProbability: 1.5 }
prompts:
  durations:
    switchboard/welcome: 3
`,
    );
    const problems = problemsOf(() => loadScenario(file));
    expect(problems).toContainEqual(expect.stringMatching(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:4: arrivals\\.rate: `)));
    expect(problems).toContainEqual(expect.stringMatching(/bad\.yaml:7: callers\.mix\[0\]: .*presses/));
    expect(problems).toContainEqual(expect.stringMatching(/bad\.yaml:14: agents\[1\]\.noAnswerProbability: /));
    expect(problems).toContainEqual(expect.stringMatching(/bad\.yaml:\d+: prompts\.durations\.switchboard\/welcome: .*media URI/));
    expect(problems).toHaveLength(4);
  });

  it("reports contradictions inside a caller profile and a prompt rule", () => {
    const problems = problemsOf(() =>
      parseScenario(
        `seed: 1
duration: 60
arrivals: { rate: 1 }
callers:
  mix:
    - profile: both
      weight: 1
      numbers: ["5551001"]
      unknownNumbers: { length: 7 }
      did: "800"
      prompts:
        - { prompt: "sound:x", press: "1", choices: [{ press: "2", probability: 0.5 }] }
        - { prompt: "sound:y", choices: [{ press: "1", probability: 0.7 }, { press: "2", probability: 0.6 }] }
`,
        "mix.yaml",
      ),
    );
    expect(problems).toContainEqual(expect.stringMatching(/^mix\.yaml:\d+: callers\.mix\[0\]: give either numbers or unknownNumbers/));
    expect(problems).toContainEqual(expect.stringMatching(/callers\.mix\[0\]\.prompts\[0\]: give either press or choices/));
    expect(problems).toContainEqual(expect.stringMatching(/callers\.mix\[0\]\.prompts\[1\]: choices: probabilities add up to more than 1/));
  });

  it("lists customers for outbound calls: the trunk, a default and numbers, with their problems by line", () => {
    const s = parseScenario(`${VALID}customers:
  default: { answer: no-answer }
  numbers:
    - { number: "5551001", answer: answer, answerDelay: { uniform: [1, 3] }, pressKey: "1", talkTime: 30 }
    - { number: "5551002", answer: busy }
`);
    expect(s.customers).toEqual({
      trunk: "customers",
      default: { answer: "no-answer", answerDelay: 1, pressAfter: 1 },
      numbers: [
        { number: "5551001", answer: "answer", answerDelay: { uniform: [1, 3] }, pressKey: "1", pressAfter: 1, talkTime: 30 },
        { number: "5551002", answer: "busy", answerDelay: 1, pressAfter: 1 },
      ],
    });
    expect(parseScenario(VALID).customers).toBeUndefined();
    const problems = problemsOf(() =>
      parseScenario(
        `${VALID}customers:
  trunk: "bad trunk"
  numbers:
    - { number: "5551001", answer: maybe }
    - { number: "5551001" }
`,
        "customers.yaml",
      ),
    );
    expect(problems).toContainEqual(expect.stringMatching(/^customers\.yaml:9: customers\.trunk: a PJSIP endpoint name/));
    expect(problems).toContainEqual(expect.stringMatching(/^customers\.yaml:11: customers\.numbers\[0\]\.answer: /));
  });

  it("reports YAML syntax errors and unreadable files", () => {
    expect(problemsOf(() => parseScenario("seed: [1\nduration: 2", "syntax.yaml"))[0]).toMatch(/^syntax\.yaml:\d+: \(root\): YAML: /);
    expect(problemsOf(() => loadScenario(path.join(dir, "missing.yaml")))[0]).toMatch(/missing\.yaml: \(root\): cannot read: ENOENT/);
  });

  it("plans the same arrivals for the same seed, other arrivals for another seed", () => {
    const a = planArrivals(parseScenario(VALID.replace("rate: 6", "rate: 60")));
    const b = planArrivals(parseScenario(VALID.replace("rate: 6", "rate: 60")));
    const c = planArrivals(parseScenario(VALID.replace("rate: 6", "rate: 60").replace("seed: 1", "seed: 2")));
    expect(a.length).toBeGreaterThan(20);
    expect(b).toEqual(a);
    expect(c.map((x) => x.atMs)).not.toEqual(a.map((x) => x.atMs));
    // Poisson at 60/min for 60 s: about 60 calls
    expect(a.length).toBeLessThan(120);
  });
});
