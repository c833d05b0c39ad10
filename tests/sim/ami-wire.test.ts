/**
 * Pure parts of the simulator's AMI side: framing of client bytes, header lookup as Asterisk does
 * it, serialising, event masks, CLI output, caller id parsing, event translation.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/sim/ami/cli.js";
import { AmiFramer, type Framed } from "../../src/sim/ami/framer.js";
import { eventText, originateResponse, translate } from "../../src/sim/ami/events.js";
import { parseCallerId } from "../../src/sim/ami/actions/originate.js";
import { ALL_CLASSES, classBit, parseEventMask } from "../../src/sim/ami/privileges.js";
import { header, headers, nonEmptyHeader, serialize, variables, type ClientMessage } from "../../src/sim/ami/wire.js";
import type { ChannelSnapshot } from "../../src/sim/pbx.js";

const msg = (...lines: string[]): ClientMessage => ({ lines });
const messages = (framed: Framed[]): string[][] => framed.map((f) => (f.kind === "line-too-long" ? ["<too-long>"] : [...f.message.lines]));

describe("framing", () => {
  it("splits a stream into messages whatever the chunking", () => {
    const stream = "Action: Login\r\nUsername: cti\r\n\r\nAction: Ping\r\nActionID: 1\r\n\r\naction: ping\n\n";
    const expected = [["Action: Login", "Username: cti"], ["Action: Ping", "ActionID: 1"], ["action: ping"]];
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 12 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const f = new AmiFramer();
        const out: Framed[] = [];
        let prev = 0;
        for (const p of [...points, stream.length]) {
          out.push(...f.push(Buffer.from(stream.slice(prev, p))));
          prev = p;
        }
        expect(messages(out)).toEqual(expected);
        expect(f.inMessage).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it("keeps a half-sent message until its empty line arrives", () => {
    const f = new AmiFramer();
    expect(f.push(Buffer.from("Action: Ping\r\nActionID: x\r\n"))).toEqual([]);
    expect(f.inMessage).toBe(true);
    expect(messages(f.push(Buffer.from("\r\n")))).toEqual([["Action: Ping", "ActionID: x"]]);
  });

  it("keeps a CR that is not followed by LF inside the line, and reads UTF-8 split across chunks", () => {
    const f = new AmiFramer();
    const bytes = Buffer.from("CallerID: Zoë\rX\r\n\r\n", "utf8");
    const at = bytes.indexOf(0xc3) + 1; // inside the two-byte ë
    const out = [...f.push(bytes.subarray(0, at)), ...f.push(bytes.subarray(at))];
    expect(messages(out)).toEqual([["CallerID: Zoë\rX"]]);
  });

  it("drops a message with a line over 1024 bytes, whole or in pieces, and goes on with the next", () => {
    for (const pieces of [1, 7, 300]) {
      const f = new AmiFramer();
      const stream = `Action: Ping\r\nX: ${"a".repeat(5000)}\r\nActionID: 1\r\n\r\nAction: Ping\r\nActionID: 2\r\n\r\n`;
      const out: Framed[] = [];
      const size = Math.ceil(stream.length / pieces);
      for (let i = 0; i < stream.length; i += size) out.push(...f.push(Buffer.from(stream.slice(i, i + size))));
      expect(messages(out)).toEqual([["<too-long>"], ["Action: Ping", "ActionID: 2"]]);
      expect(f.bufferedBytes).toBe(0);
    }
  });

  it("accepts a line of exactly 1024 bytes with its CR LF", () => {
    const f = new AmiFramer();
    const line = `Data: ${"b".repeat(1024 - 2 - 6)}`;
    expect(messages(f.push(Buffer.from(`${line}\r\n\r\n`)))).toEqual([[line]]);
    expect(messages(f.push(Buffer.from(`${line}b\r\n\r\n`)))).toEqual([["<too-long>"]]);
  });

  it("never holds more than one line of unfinished input", () => {
    const f = new AmiFramer();
    for (let i = 0; i < 200; i++) f.push(Buffer.alloc(4096, 0x41));
    expect(f.bufferedBytes).toBe(0);
    expect(messages(f.push(Buffer.from("\r\n\r\nAction: Ping\r\n\r\n")))).toEqual([["<too-long>"], ["Action: Ping"]]);
  });

  it("reports a message with more than 128 lines and keeps only the first 128", () => {
    const f = new AmiFramer();
    const lines = Array.from({ length: 200 }, (_, i) => `H${i}: v`);
    const out = f.push(Buffer.from(`${lines.join("\r\n")}\r\n\r\n`));
    expect(out).toHaveLength(1);
    expect(out[0]!.kind).toBe("too-many-lines");
    if (out[0]!.kind === "too-many-lines") expect(out[0]!.message.lines).toHaveLength(128);
  });
});

describe("headers", () => {
  it("are looked up case-insensitively, the key followed directly by a colon, blanks skipped", () => {
    const m = msg("actionid:   abc ", "Action ID: no", "ACTION: Ping", "Variable: A=1", "variable: B=2,C=x=y,junk");
    expect(header(m, "ActionID")).toBe("abc ");
    expect(header(m, "Action")).toBe("Ping");
    expect(header(m, "Missing")).toBe("");
    expect(headers(m, "Variable")).toEqual(["A=1", "B=2,C=x=y,junk"]);
    expect(variables(m)).toEqual([
      ["A", "1"],
      ["B", "2"],
      ["C", "x=y"],
    ]);
  });

  it("Action is the first non-empty one", () => {
    expect(nonEmptyHeader(msg("Action:", "Action: Ping"), "Action")).toBe("Ping");
  });

  it("serialising never lets a value start a new line", () => {
    expect(serialize([["Message", "a\r\nAction: Hangup\nx"]])).toBe("Message: a Action: Hangup x\r\n\r\n");
    expect(serialize([["A", 1], ["B", ""]])).toBe("A: 1\r\nB: \r\n\r\n");
  });
});

describe("event masks", () => {
  it("parse as Asterisk parses them", () => {
    expect(parseEventMask("on")).toBe(ALL_CLASSES);
    expect(parseEventMask("off")).toBe(0);
    expect(parseEventMask("")).toBe(-1);
    expect(parseEventMask("call,cdr")).toBe(classBit("call") | classBit("cdr"));
    expect(parseEventMask("nonsense")).toBe(0);
    expect(parseEventMask("system, all")).toBe(ALL_CLASSES);
    expect(parseEventMask("2")).toBe(2);
  });
});

const snap = (over: Partial<ChannelSnapshot> = {}): ChannelSnapshot => ({
  id: "1795345731.60",
  name: "Local/s@dtmf-driver-0000001f;1",
  tech: "Local",
  state: "Up",
  caller: { name: "", number: "6001" },
  connected: { name: "", number: "" },
  accountcode: "",
  dialplan: { context: "dtmf-driver", exten: "s", priority: 3, appName: "Wait", appData: "30" },
  creationTime: Date.now(),
  language: "en",
  linkedId: "1795345731.60",
  protocolId: "",
  ...over,
});

describe("CLI", () => {
  it("prints core show channels in Asterisk's columns and counts", () => {
    const res = runCli("core show channels", { channels: [snap()], activeCalls: 1, processedCalls: 43 });
    expect(res.ok).toBe(true);
    expect(res.lines[0]).toBe(`${"Channel".padEnd(64)} ${"Location".padEnd(32)} ${"State".padEnd(7)} ${"Application(Data)".padEnd(30)}`);
    expect(res.lines[1]).toBe(`${"Local/s@dtmf-driver-0000001f;1".padEnd(64)} ${"s@dtmf-driver:3".padEnd(32)} Up      ${"Wait(30)".padEnd(30)}`);
    expect(res.lines.slice(2)).toEqual(["1 active channel", "1 active call", "43 calls processed"]);
  });

  it("answers an unknown command as Asterisk does", () => {
    expect(runCli("no such cli command", { channels: [], activeCalls: 0, processedCalls: 0 })).toEqual({
      ok: false,
      lines: ["No such command 'no such cli command' (type 'core show help no such' for other possible commands)"],
    });
  });
});

describe("caller ids", () => {
  it("parse like ast_callerid_parse", () => {
    expect(parseCallerId("AMI Test <6001>")).toEqual({ name: "AMI Test", number: "6001" });
    expect(parseCallerId('"Zoë, Ltd" <+4930>')).toEqual({ name: "Zoë, Ltd", number: "+4930" });
    expect(parseCallerId("5551234")).toEqual({ name: "", number: "5551234" });
    expect(parseCallerId("Reception")).toEqual({ name: "Reception", number: "" });
  });
});

describe("event translation", () => {
  const opts = { activeChannels: () => 0, cdrUnanswered: false };

  it("prints a channel block in Asterisk's order with <unknown> for empty caller ids", () => {
    const ev = translate({ type: "ChannelCreated", channel: snap(), at: 0, apps: [] }, opts)!;
    expect(eventText(ev).split("\r\n").slice(0, 8)).toEqual([
      "Event: Newchannel",
      "Privilege: call,all",
      "Channel: Local/s@dtmf-driver-0000001f;1",
      "ChannelState: 6",
      "ChannelStateDesc: Up",
      "CallerIDNum: 6001",
      "CallerIDName: <unknown>",
      "ConnectedLineNum: <unknown>",
    ]);
  });

  it("drops CDRs of unanswered calls unless asked for them", () => {
    const cdr = {
      accountCode: "",
      source: "",
      destination: "s",
      destinationContext: "x",
      callerId: "",
      channel: "c",
      destinationChannel: "",
      lastApplication: "",
      lastData: "",
      startTime: 0,
      answerTime: null,
      endTime: 0,
      duration: 0,
      billableSeconds: 0,
      disposition: "NO ANSWER" as const,
      amaFlags: "DOCUMENTATION",
      uniqueId: "1.1",
      userField: "",
    };
    expect(translate({ type: "Cdr", cdr, at: 0, apps: [] }, opts)).toBeUndefined();
    const ev = translate({ type: "Cdr", cdr, at: 0, apps: [] }, { ...opts, cdrUnanswered: true })!;
    expect(ev.fields).toContainEqual(["CallerID", '"" <>']);
  });

  it("prints a failed OriginateResponse with the dial string and <unknown> ids", () => {
    const ev = originateResponse(
      { actionId: "a b", dialString: "Bogus/123", context: "after-stasis", exten: "s", callerIdNum: "", callerIdName: "" },
      { success: false, reason: 0, channel: null },
    );
    expect(eventText(ev)).toBe(
      "Event: OriginateResponse\r\nPrivilege: call,all\r\nActionID: a b\r\nResponse: Failure\r\nChannel: Bogus/123\r\nContext: after-stasis\r\nExten: s\r\nReason: 0\r\nUniqueid: <unknown>\r\nCallerIDNum: <unknown>\r\nCallerIDName: <unknown>\r\n\r\n",
    );
  });
});
