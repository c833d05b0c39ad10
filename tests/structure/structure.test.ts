// The house rules of docs/architecture.md, held against the code.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { functionSpans, importCycles, importEdges, sourceFiles } from "./measure.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const files = sourceFiles(root);
const edges = importEdges(root, files);
const room = (path: string): string => path.split("/")[1] ?? "";

describe("structure", () => {
  it("keeps every source file at 700 lines or fewer", () => {
    expect(files.filter((f) => f.lines > 700).map((f) => `${f.path}: ${f.lines}`)).toEqual([]);
  });

  it("keeps every function at 120 lines or fewer", () => {
    const long = files.flatMap(functionSpans).filter((s) => s.lines > 120);
    expect(long.map((s) => `${s.path}:${s.line} ${s.name}: ${s.lines}`)).toEqual([]);
  });

  it("has no import cycle", () => {
    expect(importCycles(edges)).toEqual([]);
  });

  it("keeps crm/, offers/ and queue/ free of the IVR except the engine's types", () => {
    const wrong = edges.filter((e) => ["crm", "offers", "queue"].includes(room(e.from)) && room(e.to) === "ivr" &&
      !(e.typeOnly && e.to.startsWith("src/ivr/engine/")));
    expect(wrong.map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
  });

  it("keeps the simulator apart: it uses only lib/, and only the CLI starts it", () => {
    const out = edges.filter((e) => room(e.from) === "sim" && !["sim", "lib"].includes(room(e.to)));
    const into = edges.filter((e) => room(e.to) === "sim" && !["sim", "cli"].includes(room(e.from)));
    expect([...out, ...into].map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
  });

  it("points lib/ at nothing above it", () => {
    const up = edges.filter((e) => room(e.from) === "lib" && room(e.to) !== "lib");
    expect(up.map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
  });
});
