/**
 * A loopback TCP proxy for outage tests: the daemon connects to the proxy, the proxy to the real
 * server. cut() is the network going away (every connection reset on both sides, new ones refused
 * the moment they arrive) until restore(). It listens on 127.0.0.1 with a free port and holds no
 * timers; close() leaves no socket behind.
 */
import net from "node:net";

export interface TcpProxyOptions {
  /** Sees every chunk a client sends towards the target, with the id of its connection (from 1). */
  onClientData?: (connection: number, chunk: Buffer) => void;
}

export interface TcpProxy {
  readonly host: string;
  readonly port: number;
  /** Connection pairs open right now. */
  readonly openConnections: number;
  /** Connections accepted and forwarded since the start (refused ones not counted). */
  readonly acceptedConnections: number;
  /** Resets every open connection pair and refuses new ones until restore(). */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
}

export function startTcpProxy(target: { host: string; port: number }, opts: TcpProxyOptions = {}): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let down = false;
  let closed = false;
  let accepted = 0;

  // a reset (RST), not a polite FIN: the peer learns of the loss the way it would from a dead link
  const kill = (s: net.Socket): void => {
    if (!s.destroyed) s.resetAndDestroy();
  };
  const drop = (p: Pair): void => {
    pairs.delete(p);
    kill(p.client);
    kill(p.upstream);
  };

  const server = net.createServer((client) => {
    if (down || closed) {
      client.on("error", () => undefined);
      kill(client);
      return;
    }
    const id = ++accepted;
    const upstream = net.connect({ host: target.host, port: target.port });
    const pair: Pair = { client, upstream };
    pairs.add(pair);
    for (const s of [client, upstream]) {
      // either side failing or closing takes the other with it
      s.on("error", () => drop(pair));
      s.on("close", () => drop(pair));
    }
    if (opts.onClientData) {
      const tap = opts.onClientData;
      client.on("data", (chunk: Buffer) => tap(id, chunk));
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });

  return new Promise<TcpProxy>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      const { port } = server.address() as net.AddressInfo;
      resolve({
        host: "127.0.0.1",
        port,
        get openConnections() {
          return pairs.size;
        },
        get acceptedConnections() {
          return accepted;
        },
        cut() {
          down = true;
          for (const p of [...pairs]) drop(p);
        },
        restore() {
          down = false;
        },
        close() {
          closed = true;
          for (const p of [...pairs]) drop(p);
          return new Promise<void>((r) => server.close(() => r()));
        },
      });
    });
  });
}
