/**
 * Entry point of the PBX simulator: one SimPbx core with its ARI server (HTTP + WebSocket) and,
 * when an AMI server is supplied, its AMI server, all in-process on loopback.
 *
 * ```ts
 * const sim = await startSimulator({ users: { cti: "cti" }, timeScale: 0.1 });
 * const ari = await AriClient.connect(sim.ariUrl, "cti", "cti");
 * ...
 * await sim.stop();
 * ```
 */
import { SimPbx, type SimPbxOptions } from "./pbx.js";
import { startAriServer, type AriServer, type AriServerOptions } from "./ari/server.js";
import type { Credentials } from "./ari/http.js";

export { SimPbx } from "./pbx.js";
export type * from "./pbx.js";
export type { AriServer, AriServerOptions } from "./ari/server.js";
export type { Credentials } from "./ari/http.js";

/** Options the AMI server receives (`startAmiServer(pbx, opts)` in `src/sim/ami/server.ts`). */
export interface AmiServerOptions {
  host: string;
  /** 0: any free port. */
  port: number;
  /** AMI users (manager.conf): `{ user: secret }` or a list. */
  users: Credentials;
}

/** What a started AMI server hands back. */
export interface AmiServerHandle {
  readonly port: number;
  /** Drops every AMI connection without a goodbye (server crash / restart). */
  dropConnections?(): void;
  close(): Promise<void>;
}

/** The AMI server's entry point, as exported by `src/sim/ami/server.ts`. */
export type AmiServerStarter = (pbx: SimPbx, opts: AmiServerOptions) => Promise<AmiServerHandle>;

export interface SimulatorOptions extends SimPbxOptions {
  /** Loopback address (default 127.0.0.1). */
  host?: string;
  /** ARI/HTTP port (default 0: a free port). */
  ariPort?: number;
  /** ARI users (ari.conf): `{ user: password }`. */
  users: Credentials;
  /** AMI port (default 0: a free port); only used when an AMI server is available. */
  amiPort?: number;
  /** AMI users (manager.conf); default: the ARI users. */
  amiUsers?: Credentials;
  /**
   * The AMI server to start with the PBX. Default: none (ARI only). Pass `startAmiServer` from
   * `src/sim/ami/server.ts` (or set it once in `DEFAULT_AMI_STARTER` below) to get AMI too.
   */
  ami?: AmiServerStarter | false;
  /** Extra ARI server options. */
  ari?: Pick<AriServerOptions, "allowedOrigins" | "maxBodyBytes" | "onRequest">;
}

export interface Simulator {
  /** Base URL for ari-client: `http://127.0.0.1:<port>`. */
  readonly ariUrl: string;
  readonly ariPort: number;
  /** AMI port, or undefined when no AMI server runs. */
  readonly amiPort: number | undefined;
  readonly host: string;
  readonly pbx: SimPbx;
  readonly ari: AriServer;
  readonly ami: AmiServerHandle | undefined;
  /**
   * `core restart now`: Stasis channels get ChannelHangupRequest (cause 4) and StasisEnd, every
   * ARI/AMI connection drops, and a fresh PBX starts on the same ports after `downMs` (ms, real
   * time). Returns the new Simulator; this one is stopped.
   */
  restart(downMs?: number): Promise<Simulator>;
  /** Stops servers and the PBX; no timers or sockets are left behind. Idempotent. */
  stop(): Promise<void>;
}

/** Set to `startAmiServer` once `src/sim/ami/server.ts` exists, so AMI starts by default. */
const DEFAULT_AMI_STARTER: AmiServerStarter | undefined = undefined;

export async function startSimulator(opts: SimulatorOptions): Promise<Simulator> {
  const host = opts.host ?? "127.0.0.1";
  const pbx = new SimPbx(opts);
  let ari: AriServer | undefined;
  let ami: AmiServerHandle | undefined;
  try {
    ari = await startAriServer(pbx, { host, port: opts.ariPort ?? 0, users: opts.users, ...(opts.ari ?? {}) });
    const starter = opts.ami === false ? undefined : (opts.ami ?? DEFAULT_AMI_STARTER);
    if (starter) ami = await starter(pbx, { host, port: opts.amiPort ?? 0, users: opts.amiUsers ?? opts.users });
  } catch (e) {
    await ari?.close();
    pbx.stop();
    throw e;
  }
  const ariServer = ari;
  let stopped = false;
  const sim: Simulator = {
    ariUrl: ariServer.url,
    ariPort: ariServer.port,
    amiPort: ami?.port,
    host,
    pbx,
    ari: ariServer,
    ami,
    async stop() {
      if (stopped) return;
      stopped = true;
      pbx.stop();
      await Promise.allSettled([ariServer.close(), ami?.close()]);
    },
    async restart(downMs = 500) {
      pbx.shutdown(true);
      // let the last frames (ChannelHangupRequest, StasisEnd) leave before the sockets drop
      await new Promise((r) => setTimeout(r, 20));
      ariServer.dropConnections();
      ami?.dropConnections?.();
      const ariPort = ariServer.port;
      const amiPort = ami?.port;
      await sim.stop();
      await new Promise((r) => setTimeout(r, downMs));
      return startSimulator({ ...opts, ariPort, ...(amiPort !== undefined ? { amiPort } : {}) });
    },
  };
  return sim;
}
