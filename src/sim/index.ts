/**
 * Entry point of the PBX simulator: one SimPbx core with its ARI server (HTTP + WebSocket), its AMI
 * server (unless `ami: false`), synthetic calls and agents (`sim.control`) and, when asked, the
 * control API over HTTP, all in-process on loopback.
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
import { startAmiServer } from "./ami/server.js";
import type { AmiUsers } from "./ami/accounts.js";
import { SimControl, type SimControlOptions } from "./control/api.js";
import { startControlServer, type ControlServer, type ControlServerOptions } from "./control/server.js";

export { startAmiServer } from "./ami/server.js";
export type { AmiServer } from "./ami/server.js";
export type { AmiUser, AmiUsers } from "./ami/accounts.js";

export * from "./pbx.js";
export type { AriServer, AriServerOptions } from "./ari/server.js";
export type { Credentials } from "./ari/http.js";
export { SimControl } from "./control/api.js";
export type { SimControlOptions, PlacedCall } from "./control/api.js";
export type { CustomerCallRecord, CustomerView, CustomerDefaultsView, CustomerSpecInput, CustomerPatch, CustomersSectionInput } from "./scenario/index.js";
export type { ControlServer, ControlServerOptions } from "./control/server.js";

/** Options the AMI server receives (`startAmiServer(pbx, opts)` in `src/sim/ami/server.ts`). */
export interface AmiServerOptions {
  host: string;
  /** 0: any free port. */
  port: number;
  /** AMI users (manager.conf): `{ user: secret }`, a list, or sections with `read`/`write`/`eventfilter`. */
  users: AmiUsers;
  /** Restarts the whole simulator (CLI `core restart now` over AMI `Command`). */
  restart?: () => void;
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
  /** AMI users (manager.conf, with `read`/`write`/`eventfilter` if wanted); default: the ARI users. */
  amiUsers?: AmiUsers;
  /**
   * The AMI server to start with the PBX. Default: `startAmiServer` from `src/sim/ami/server.ts`;
   * `false` for ARI only.
   */
  ami?: AmiServerStarter | false;
  /** Extra ARI server options. */
  ari?: Pick<AriServerOptions, "allowedOrigins" | "maxBodyBytes" | "onRequest">;
  /**
   * Synthetic callers and agents (`sim.control`, always available in-process) and, with `http`, the
   * control API on its own loopback port (`sim.controlUrl`).
   */
  control?: SimControlOptions & { http?: Omit<ControlServerOptions, "host"> };
}

export interface Simulator {
  /** Base URL for ari-client: `http://127.0.0.1:<port>`. Stable across restarts. */
  readonly ariUrl: string;
  readonly ariPort: number;
  /** AMI port, or undefined when no AMI server runs. Stable across restarts. */
  readonly amiPort: number | undefined;
  readonly host: string;
  /** The current PBX core (a new one after each restart). */
  readonly pbx: SimPbx;
  readonly ari: AriServer;
  readonly ami: AmiServerHandle | undefined;
  /** Synthetic calls and agent phones on the current PBX (created on first use; new after a restart). */
  readonly control: SimControl;
  /** Base URL of the control API when `control.http` was given. Stable across restarts. */
  readonly controlUrl: string | undefined;
  /**
   * `core restart now`: Stasis channels get ChannelHangupRequest (cause 4) and StasisEnd, every
   * ARI/AMI connection drops (no close frame, no AMI Goodbye), connections are refused for
   * `downMs` (real ms), then a fresh PBX listens on the same ports. This object then refers to the
   * new PBX and servers; the promise resolves to this same object. The AMI server receives it as
   * `opts.restart`.
   */
  restart(downMs?: number): Promise<Simulator>;
  /** Stops servers and the PBX; no timers or sockets are left behind. Idempotent. */
  stop(): Promise<void>;
}

/** The AMI server started with every simulator unless `ami: false`. */
const DEFAULT_AMI_STARTER: AmiServerStarter | undefined = startAmiServer;

interface Running {
  pbx: SimPbx;
  ari: AriServer;
  ami: AmiServerHandle | undefined;
  control?: SimControl;
}

export async function startSimulator(opts: SimulatorOptions): Promise<Simulator> {
  const host = opts.host ?? "127.0.0.1";
  let stopped = false;
  let restarting: Promise<Simulator> | undefined;

  const boot = async (ariPort: number, amiPort: number): Promise<Running> => {
    const pbx = new SimPbx(opts);
    let ari: AriServer | undefined;
    let ami: AmiServerHandle | undefined;
    try {
      ari = await startAriServer(pbx, { host, port: ariPort, users: opts.users, ...(opts.ari ?? {}) });
      const starter = opts.ami === false ? undefined : (opts.ami ?? DEFAULT_AMI_STARTER);
      if (starter) ami = await starter(pbx, { host, port: amiPort, users: opts.amiUsers ?? opts.users, restart: () => void sim.restart() });
    } catch (e) {
      await ari?.close();
      pbx.stop();
      throw e;
    }
    return { pbx, ari, ami };
  };

  let current = await boot(opts.ariPort ?? 0, opts.amiPort ?? 0);
  const ariPort = current.ari.port;
  const amiPort = current.ami?.port;
  const controlOf = (r: Running): SimControl => (r.control ??= new SimControl(r.pbx, opts.control));
  let controlServer: ControlServer | undefined;
  if (opts.control?.http) {
    try {
      controlServer = await startControlServer(() => controlOf(current), { ...opts.control.http, host });
    } catch (e) {
      current.pbx.stop();
      await Promise.allSettled([current.ari.close(), current.ami?.close()]);
      throw e;
    }
  }

  const sim: Simulator = {
    ariUrl: current.ari.url,
    ariPort,
    amiPort,
    host,
    get pbx() {
      return current.pbx;
    },
    get ari() {
      return current.ari;
    },
    get ami() {
      return current.ami;
    },
    get control() {
      return controlOf(current);
    },
    controlUrl: controlServer?.url,
    async stop() {
      if (stopped) return;
      stopped = true;
      await restarting?.catch(() => undefined);
      current.control?.close();
      current.pbx.stop();
      await Promise.allSettled([current.ari.close(), current.ami?.close(), controlServer?.close()]);
    },
    restart(downMs = 500) {
      if (stopped) return Promise.reject(new Error("simulator stopped"));
      if (restarting) return restarting;
      restarting = (async () => {
        const old = current;
        old.pbx.shutdown(true);
        // let the last frames (ChannelHangupRequest, StasisEnd) leave before the sockets drop
        await new Promise((r) => setTimeout(r, 20));
        old.ari.dropConnections();
        old.ami?.dropConnections?.();
        old.control?.close();
        old.pbx.stop();
        await Promise.allSettled([old.ari.close(), old.ami?.close()]);
        await new Promise((r) => setTimeout(r, downMs));
        if (!stopped) current = await boot(ariPort, amiPort ?? 0);
        return sim;
      })().finally(() => {
        restarting = undefined;
      });
      return restarting;
    },
  };
  return sim;
}
