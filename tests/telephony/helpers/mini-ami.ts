import net from "node:net";

/**
 * A tiny AMI server on loopback for failure-mode tests: real TCP, the banner and message framing
 * Asterisk 22 was recorded using (`Key: Value` CRLF, blank line), Login/Ping/CoreShowChannels/
 * DeviceStateList/Async Originate, and switches to misbehave: stop answering, stall the login, drop
 * every connection. Every byte a client sends is kept per connection, so tests can check exactly
 * what reached the wire.
 */
export interface MiniAmiOptions {
  username?: string;
  secret?: string;
  port?: number;
}

export interface AmiSessionRecord {
  /** Everything the client sent on this connection. */
  received: string;
  actions: Array<Record<string, string>>;
  socket: net.Socket;
  loggedIn: boolean;
}

const CRLF = "\r\n";

export function amiMessage(pairs: Array<[string, string]>): string {
  return pairs.map(([k, v]) => `${k}: ${v}${CRLF}`).join("") + CRLF;
}

export class MiniAmi {
  readonly username: string;
  readonly secret: string;
  port = 0;
  /** Stop answering every action (the TCP connection stays up). */
  silent = false;
  /** Never answer Login. */
  stallLogin = false;
  /** Do not answer Ping (other actions still work). */
  ignorePing = false;
  readonly sessions: AmiSessionRecord[] = [];
  devices: Array<[device: string, state: string]> = [
    ["Queue:support", "RINGING"],
    ["Local/agent1@agents", "NOT_INUSE"],
  ];
  channels: Array<{ channel: string; uniqueid: string; state: number; desc: string; cidNum: string; app: string }> = [
    { channel: "Local/s@queue-entry-00000023;2", uniqueid: "1795345747.69", state: 6, desc: "Up", cidNum: "5559000", app: "Queue" },
  ];
  /** Reason the next Async Originate reports (4 answered, 3 no answer, 0 failed). */
  originateReason = 4;
  private server: net.Server | undefined;
  private readonly requested: number;

  constructor(opts: MiniAmiOptions = {}) {
    this.username = opts.username ?? "cti";
    this.secret = opts.secret ?? "secret";
    this.requested = opts.port ?? 0;
  }

  get connections(): number {
    return this.sessions.length;
  }

  get openConnections(): number {
    return this.sessions.filter((s) => !s.socket.destroyed).length;
  }

  async start(): Promise<this> {
    const server = net.createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.requested || this.port, "127.0.0.1", () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Writes raw text to every logged-in client (events). */
  push(text: string): void {
    for (const s of this.sessions) if (s.loggedIn && !s.socket.destroyed) s.socket.write(text);
  }

  dropAll(): void {
    for (const s of this.sessions) s.socket.destroy();
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    this.dropAll();
    await closed;
  }

  private accept(socket: net.Socket): void {
    const session: AmiSessionRecord = { received: "", actions: [], socket, loggedIn: false };
    this.sessions.push(session);
    socket.setEncoding("utf8");
    socket.on("error", () => undefined);
    socket.write(`Asterisk Call Manager/11.0.0${CRLF}`);
    let buffer = "";
    socket.on("data", (chunk: string) => {
      session.received += chunk;
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf(CRLF + CRLF)) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 4);
        const action: Record<string, string> = {};
        for (const line of block.split(CRLF)) {
          const i = line.indexOf(":");
          if (i > 0) action[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
        }
        session.actions.push(action);
        this.answer(session, action);
      }
    });
  }

  private answer(session: AmiSessionRecord, a: Record<string, string>): void {
    const socket = session.socket;
    const id: Array<[string, string]> = a.actionid !== undefined ? [["ActionID", a.actionid]] : [];
    const name = (a.action ?? "").toLowerCase();
    if (name === "login") {
      if (this.stallLogin) return;
      if (a.username === this.username && a.secret === this.secret) {
        session.loggedIn = true;
        socket.write(amiMessage([["Response", "Success"], ...id, ["Message", "Authentication accepted"]]));
        socket.write(amiMessage([["Event", "FullyBooted"], ["Privilege", "system,all"], ["Uptime", "461"], ["LastReload", "411"], ["Status", "Fully Booted"]]));
      } else {
        socket.write(amiMessage([["Response", "Error"], ...id, ["Message", "Authentication failed"]]));
        socket.end();
      }
      return;
    }
    if (this.silent) return;
    if (!session.loggedIn) {
      socket.write(amiMessage([["Response", "Error"], ...id, ["Message", "Permission denied"]]));
      return;
    }
    switch (name) {
      case "ping":
        if (this.ignorePing) return;
        socket.write(amiMessage([["Response", "Success"], ...id, ["Ping", "Pong"], ["Timestamp", "1795345728.264681"]]));
        return;
      case "coreshowchannels":
        socket.write(amiMessage([["Response", "Success"], ...id, ["EventList", "start"], ["Message", "Channels will follow"]]));
        for (const c of this.channels) {
          socket.write(
            amiMessage([
              ["Event", "CoreShowChannel"],
              ...id,
              ["Channel", c.channel],
              ["ChannelState", String(c.state)],
              ["ChannelStateDesc", c.desc],
              ["CallerIDNum", c.cidNum],
              ["CallerIDName", "Waiting Caller"],
              ["ConnectedLineNum", c.cidNum],
              ["ConnectedLineName", "Waiting Caller"],
              ["Language", "en"],
              ["AccountCode", ""],
              ["Context", "queue-entry"],
              ["Exten", "s"],
              ["Priority", "3"],
              ["Uniqueid", c.uniqueid],
              ["Linkedid", c.uniqueid],
              ["Application", c.app],
              ["ApplicationData", "support,,,,60"],
              ["Duration", "00:00:02"],
              ["BridgeId", ""],
            ]),
          );
        }
        socket.write(amiMessage([["Event", "CoreShowChannelsComplete"], ...id, ["EventList", "Complete"], ["ListItems", String(this.channels.length)]]));
        return;
      case "devicestatelist":
        socket.write(amiMessage([["Response", "Success"], ...id, ["EventList", "start"], ["Message", "Device State Changes will follow"]]));
        for (const [device, state] of this.devices) socket.write(amiMessage([["Event", "DeviceStateChange"], ...id, ["Device", device], ["State", state]]));
        socket.write(amiMessage([["Event", "DeviceStateListComplete"], ...id, ["EventList", "Complete"], ["ListItems", String(this.devices.length)]]));
        return;
      case "originate": {
        if (!a.channel) {
          socket.write(amiMessage([["Response", "Error"], ...id, ["Message", "Channel not specified"]]));
          return;
        }
        socket.write(amiMessage([["Response", "Success"], ...id, ["Message", "Originate successfully queued"]]));
        const channel = a.channel;
        const ok = this.originateReason === 4;
        setTimeout(() => {
          if (socket.destroyed) return;
          socket.write(
            amiMessage([
              ["Event", "OriginateResponse"],
              ["Privilege", "call,all"],
              ...id,
              ["Response", ok ? "Success" : "Failure"] as [string, string],
              ["Channel", ok ? `${channel}-0000001f;1` : channel],
              ["Context", a.context ?? ""],
              ["Exten", a.exten ?? ""],
              ["Reason", String(this.originateReason)],
              ["Uniqueid", ok ? "1795345731.60" : "<unknown>"],
              ["CallerIDNum", ok ? "6001" : "<unknown>"],
              ["CallerIDName", ok ? "AMI Test" : "<unknown>"],
            ]),
          );
        }, 20);
        return;
      }
      default:
        socket.write(amiMessage([["Response", "Error"], ...id, ["Message", `Invalid/unknown command: ${a.action}. Use Action: ListCommands to show available commands.`]]));
    }
  }
}
