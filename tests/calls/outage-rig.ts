/**
 * Outage tests' set-up on top of the daemon harness: the daemon reaches the simulator's ARI and AMI
 * through loopback TCP proxies that a test can cut, plus small readers for what callers heard and
 * what /readyz says.
 */
import { configSchema } from "../../src/config/schema.js";
import type { Daemon } from "../../src/daemon/index.js";
import type { CallRecord } from "../../src/sim/scenario/call-record.js";
import { stopAll, type Setup } from "./harness.js";
import { startTcpProxy, type TcpProxy, type TcpProxyOptions } from "./tcp-proxy.js";

const proxies: TcpProxy[] = [];

/** After each test: the daemons first, then every proxy the test started. */
export async function stopAllAndProxies(): Promise<void> {
  await stopAll();
  for (const p of proxies.splice(0)) await p.close();
}

/** A loopback proxy in front of `target` that a test can cut; closed by stopAllAndProxies(). */
export async function proxyTo(target: { host: string; port: number }, opts: TcpProxyOptions = {}): Promise<TcpProxy> {
  const proxy = await startTcpProxy(target, opts);
  proxies.push(proxy);
  return proxy;
}

export interface Proxied extends Setup {
  ariProxy: TcpProxy;
  amiProxy: TcpProxy;
}

/**
 * The same set-up with the daemon's asterisk entry pointed at two proxies in front of the simulator.
 * (setup()'s `extra` cannot carry this: the simulator's ports exist only once setup() has started it.)
 * Reconnect backoff is capped at 2 s so the tests see the reconnect soon after the link is back; the
 * default cap (30 s) would only make them slower.
 */
export async function throughProxies(s: Setup, amiTap?: TcpProxyOptions["onClientData"]): Promise<Proxied> {
  const server = s.config.asterisk[0];
  if (!server?.ami || s.sim.amiPort === undefined) throw new Error("the set-up has no AMI");
  const ariProxy = await proxyTo({ host: s.sim.host, port: s.sim.ariPort });
  const amiProxy = await proxyTo({ host: s.sim.host, port: s.sim.amiPort }, amiTap ? { onClientData: amiTap } : {});
  const config = configSchema.parse({
    ...s.config,
    asterisk: [
      {
        ...server,
        ari: { ...server.ari, url: `http://127.0.0.1:${ariProxy.port}`, reconnectMaxDelay: 2 },
        ami: { ...server.ami, host: "127.0.0.1", port: amiProxy.port, heartbeatInterval: 1, reconnectMaxDelay: 2 },
      },
    ],
  });
  return { ...s, config, ariProxy, amiProxy };
}

export const heard = (r: CallRecord | undefined): string[] => (r?.heard ?? []).map((h) => h.uri);

/** How many times the caller started hearing `uri`. */
export const plays = (r: CallRecord | undefined, uri: string): number => heard(r).filter((u) => u === uri).length;

export const MAIN_MENU = "sound:switchboard/main-menu";

export interface Readiness {
  status: number;
  ready: boolean;
  checks: Array<{ name: string; required: boolean; ok: boolean; detail?: string }>;
}

export async function readiness(d: Daemon): Promise<Readiness> {
  const res = await fetch(`${d.url}/readyz`);
  const body = (await res.json()) as Omit<Readiness, "status">;
  return { status: res.status, ready: body.ready, checks: body.checks };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
