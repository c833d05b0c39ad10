/**
 * A PBX that freezes (a hung Asterisk, a host stopped by its hypervisor, a link that silently drops
 * everything): a loopback TCP proxy between the daemon and the simulator that, while frozen, carries
 * nothing either way. Open connections stay open (no reset, no close: nothing tells the daemon), new
 * ones are accepted as a kernel would and then never answered. thaw() delivers what was held, as the
 * PBX would once it runs again. No timers; close() leaves no socket behind.
 */
import net from "node:net";

export interface FreezeProxy {
  readonly port: number;
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
}

export function startFreezeProxy(target: { host: string; port: number }): Promise<FreezeProxy> {
  const pairs = new Set<Pair>();
  let frozen = false;
  const flow = (p: Pair) => {
    p.client.pipe(p.upstream);
    p.upstream.pipe(p.client);
  };
  const hold = (p: Pair) => {
    p.client.unpipe(p.upstream);
    p.upstream.unpipe(p.client);
    p.client.pause();
    p.upstream.pause();
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(target);
    const pair: Pair = { client, upstream };
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      s.on("error", drop);
      s.on("close", drop);
    }
    if (frozen) hold(pair);
    else flow(pair);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      resolve({
        port: (server.address() as net.AddressInfo).port,
        freeze() {
          frozen = true;
          for (const p of pairs) hold(p);
        },
        thaw() {
          frozen = false;
          for (const p of pairs) flow(p);
        },
        close() {
          for (const p of [...pairs]) {
            p.client.destroy();
            p.upstream.destroy();
          }
          pairs.clear();
          return new Promise<void>((r) => server.close(() => r()));
        },
      });
    });
  });
}
