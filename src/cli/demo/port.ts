import net from "node:net";

/**
 * The demo's HTTP port, checked before anything starts: a port in use is the most common first-run
 * failure (another demo, another server on 8080), and it deserves one clear line rather than a daemon
 * half started.
 */
export function portFree(host: string, port: number): Promise<boolean> {
  if (port === 0) return Promise.resolve(true);
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", (err: NodeJS.ErrnoException) => (err.code === "EADDRINUSE" ? resolve(false) : reject(err)));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** What the person reads when the port is taken, with the way out. */
export function portInUseMessage(host: string, port: number): string {
  return `switchboard demo: port ${port} on ${host} is already in use (another demo or server?). Choose another with --port <n>, e.g. --port ${port === 65535 ? 8081 : port + 1}, or --port 0 for any free port.`;
}

/** True for the error a listen on a taken port gives. */
export function isAddressInUse(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === "EADDRINUSE" || /EADDRINUSE/.test((err as Error | undefined)?.message ?? "");
}
