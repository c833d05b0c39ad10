import ari from "ari-client";
import http from "node:http";
import https from "node:https";
import { AsyncLocalStorage } from "node:async_hooks";
import { createRequire } from "node:module";
import type { Logger } from "../../lib/logger.js";
import { quietConsole, type ConsoleArgs } from "../quiet-console.js";
import { withDeadline } from "../timing.js";
import { AriAuthError, AriUnavailableError, TRANSPORT_FAILURE_PREFIX, type AriError } from "./errors.js";

/**
 * The only module that touches ari-client. Switchboard uses the library for what it does well (loading
 * the server's API declarations and calling REST operations by name) and fences off its sharp edges:
 *
 * - `connect` prints a Swagger deprecation line with console.log: run it inside `quietConsole`.
 * - `connect` has no timeout: race it against a deadline, then destroy the library's sockets to that
 *   server (it uses Node's global agents) so a stalled server leaves nothing open.
 * - swagger-client reports a failed API load and then *throws* the message from inside an HTTP callback
 *   (an uncaught exception). `hardenLibrary` replaces that one method so the failure only rejects.
 * - REST calls have no timeout, and a refused connection leaves them pending forever: every call
 *   goes through `call` with a deadline.
 * - Errors are raw bodies without status: `fromLibraryRejection` maps them.
 * - Credentials live in swagger-client's global `authorizations`, replaced by every connect: each request
 *   is given its own server's credentials by origin (`credentialsByOrigin`), so one process can hold a
 *   client per Asterisk server.
 *
 * The library's own event WebSocket (`client.start`) is never used; see event-socket.ts for why.
 */

type LibraryOperation = (params?: Record<string, unknown>) => PromiseLike<unknown>;

const DEPRECATION_PREFIX = "This API is using a deprecated version of Swagger!";

/** swagger-client logs `console.log([message])`: recognise exactly its deprecation line. */
export function isSwaggerDeprecationNotice(args: ConsoleArgs): boolean {
  if (args.length !== 1) return false;
  const first = args[0];
  const text = Array.isArray(first) && first.length === 1 ? first[0] : first;
  return typeof text === "string" && text.startsWith(DEPRECATION_PREFIX);
}

let hardened = false;

/** `Authorization` header per server origin (scheme://host:port) of the gateways in this process. */
const credentialsByOrigin = new Map<string, string>();
const basicAuth = (username: string, password: string) => `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;

/** A stopped gateway's credentials go (unless another gateway registered the same origin since). */
export function forgetCredentials(origin: URL, username: string, password: string): void {
  if (credentialsByOrigin.get(origin.origin) === basicAuth(username, password)) credentialsByOrigin.delete(origin.origin);
}

function originOf(url: unknown): string | undefined {
  try {
    return typeof url === "string" ? new URL(url).origin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The connect attempt a library request belongs to. ari-client's connect keeps going after we gave up
 * on it (e.g. its reachability probe fails after the deadline and it then starts loading the API):
 * requests started on behalf of an abandoned attempt are not sent at all.
 */
const attemptContext = new AsyncLocalStorage<{ abandoned: boolean }>();


type ShredHandler = (response: unknown) => unknown;

/** The minimum of a shred response that swagger-client's handlers read. */
function syntheticResponse(original: unknown, status: number, text: string): unknown {
  const request = (original as { request?: unknown } | undefined)?.request ?? { url: "", method: "" };
  return { _headers: {}, request, status, content: { data: text } };
}

/**
 * Every HTTP callback ari-client and swagger-client run (shred's response handlers) is wrapped so it
 * cannot throw into Node's event loop: a throw (a reply that is not JSON, a reply type whose resource
 * the server did not declare...) is turned into that request's error path, so the operation rejects.
 * Transport errors, which shred reports on an event nobody listens to (the call would hang forever),
 * are routed to the error path too.
 */
function guardHandlers(on: Record<string, ShredHandler>, log: Logger): Record<string, ShredHandler> {
  const onError = on.error;
  const fail = (original: unknown, status: number, text: string): void => {
    if (!onError) return;
    try {
      onError(syntheticResponse(original, status, text));
    } catch (err) {
      log.error({ err }, "ari-client's error handler failed; the request will time out");
    }
  };
  const guarded: Record<string, ShredHandler> = {};
  for (const [key, handler] of Object.entries(on)) {
    guarded[key] = (response) => {
      try {
        return handler(response);
      } catch (err) {
        log.warn({ err: (err as Error)?.message, event: key }, "ari-client failed on an HTTP reply; failing the request instead");
        if (key !== "error") fail(response, (response as { status?: number })?.status ?? 0, `unreadable reply: ${(err as Error)?.message ?? String(err)}`);
        return undefined;
      }
    };
  }
  guarded.request_error ??= (err) => fail(undefined, 0, `${TRANSPORT_FAILURE_PREFIX}${(err as Error)?.message ?? String(err)}`);
  return guarded;
}

/**
 * Hardens the library once per process (idempotent). swagger-client is loaded through ari-client's own
 * resolution so it is the very module instance ari-client uses.
 * - `SwaggerApi.prototype.fail` reports the failure and then throws it from inside an HTTP callback
 *   (uncaught exception on any HTTP error while loading the API): keep the report, drop the throw.
 * - `ShredHttpClient.prototype.execute`: guard the handlers (see `guardHandlers`).
 */
export function hardenLibrary(log: Logger): void {
  if (hardened) return;
  hardened = true;
  try {
    const requireFromAri = createRequire(createRequire(import.meta.url).resolve("ari-client"));
    const swagger = requireFromAri("swagger-client") as {
      SwaggerApi?: { prototype?: Record<string, unknown> };
      ShredHttpClient?: { prototype?: Record<string, unknown> };
      authorizations?: { apply?: (obj: { url?: unknown; headers?: Record<string, string> }, a?: unknown) => unknown };
    };
    const auths = swagger.authorizations;
    const apply = auths?.apply;
    if (auths && typeof apply === "function") {
      auths.apply = function applyByOrigin(obj, a) {
        const status = apply.call(this, obj, a);
        const header = credentialsByOrigin.get(originOf(obj.url) ?? "");
        if (header && obj.headers) obj.headers.Authorization = header;
        return status;
      };
    } else {
      log.warn("swagger-client has no authorizations.apply; ARI clients to several servers would share one set of credentials");
    }
    const api = swagger.SwaggerApi?.prototype;
    if (api && typeof api.fail === "function") {
      api.fail = function fail(this: { failure: (message: unknown) => void }, message: unknown): void {
        this.failure(message);
      };
    } else {
      log.warn("swagger-client has no SwaggerApi.prototype.fail; an API load failure may crash the process");
    }
    const shredClient = swagger.ShredHttpClient?.prototype;
    const execute = shredClient?.execute;
    if (shredClient && typeof execute === "function") {
      shredClient.execute = function guardedExecute(this: { isInitialized?: boolean; initShred: () => void; shred: { request: (o: unknown) => unknown } }, obj: unknown) {
        if (attemptContext.getStore()?.abandoned) {
          log.debug("request of an abandoned ari-client connect not sent");
          return undefined;
        }
        if (!this.isInitialized) this.initShred();
        const shred = this.shred;
        const request = shred.request;
        shred.request = function guardedRequest(this: unknown, raw: unknown) {
          const options = raw as { on?: Record<string, ShredHandler> } | undefined;
          if (options?.on) options.on = guardHandlers(options.on, log);
          return request.call(this, options);
        };
        return (execute as (o: unknown) => unknown).call(this, obj);
      };
    } else {
      log.warn("swagger-client has no ShredHttpClient.prototype.execute; a malformed ARI reply may crash the process");
    }
  } catch (err) {
    log.warn({ err }, "could not harden swagger-client; an API load failure may crash the process");
  }
}

/**
 * ari-client wraps replies of known types (Channel, Playback...) in objects that look up their resource
 * in the loaded API, and throws when the server did not declare that resource (a partial server or
 * simulator). Declare every resource it may look up, empty when the server has none.
 */
const LIBRARY_RESOURCES = ["applications", "asterisk", "bridges", "channels", "deviceStates", "endpoints", "mailboxes", "playbacks", "recordings", "sounds"];

function addMissingResources(client: Record<string, unknown>): string[] {
  const apis = (client._swagger as { apis?: Record<string, unknown> } | undefined)?.apis;
  if (!apis) return [];
  const added: string[] = [];
  for (const name of LIBRARY_RESOURCES) {
    if (!apis[name]) {
      apis[name] = { operations: {} };
      added.push(name);
    }
  }
  return added;
}

/** swagger-client keeps every log line in a global `log.history` array forever; one per connect. */
function trimSwaggerLogHistory(): void {
  const globalLog = (globalThis as { log?: unknown }).log;
  if (typeof globalLog !== "function") return;
  const history = (globalLog as { history?: unknown }).history;
  if (Array.isArray(history)) history.length = 0;
}

/**
 * Destroys every socket that Node's global agents hold to `origin` (ari-client's requests, through
 * `request` and swagger-client's `shred`, all go there). Switchboard's own requests use their own agent.
 */
export function releaseLibrarySockets(origin: URL): number {
  const host = origin.hostname.replace(/^\[|\]$/g, "");
  const port = origin.port || (origin.protocol === "https:" ? "443" : "80");
  const prefixes = [`${host}:${port}:`, `${host}::`];
  let destroyed = 0;
  for (const agent of [http.globalAgent, https.globalAgent]) {
    for (const pool of [agent.sockets, agent.freeSockets]) {
      for (const [name, sockets] of Object.entries(pool)) {
        if (!prefixes.some((p) => name.startsWith(p))) continue;
        for (const socket of sockets ?? []) {
          socket.destroy();
          destroyed += 1;
        }
      }
    }
  }
  return destroyed;
}

/** The loaded client: REST operations by `resource.nickname`, as the server's API declarations name them. */
export class AriLibraryClient {
  constructor(private readonly client: Record<string, unknown>) {}

  has(resource: string, operation: string): boolean {
    return typeof this.lookup(resource, operation) === "function";
  }

  /** Calls an operation. Rejections are the library's raw values; the gateway maps and times them. */
  call(resource: string, operation: string, params: Record<string, unknown>): PromiseLike<unknown> {
    const fn = this.lookup(resource, operation);
    if (typeof fn !== "function") throw new Error(`no operation ${resource}.${operation}`);
    return (fn as LibraryOperation).call(this.client[resource], params);
  }

  private lookup(resource: string, operation: string): unknown {
    const res = this.client[resource];
    return res && typeof res === "object" ? (res as Record<string, unknown>)[operation] : undefined;
  }
}

export interface LibraryConnectOptions {
  origin: URL;
  username: string;
  password: string;
  timeoutMs: number;
  serverId: string;
  log: Logger;
  signal?: AbortSignal;
}

/** Loads the server's API declarations through ari-client, quietly and within a deadline. */
export async function connectLibrary(opts: LibraryConnectOptions): Promise<AriLibraryClient> {
  hardenLibrary(opts.log);
  const base = opts.origin.origin;
  credentialsByOrigin.set(base, basicAuth(opts.username, opts.password));
  const attempt = { abandoned: false };
  try {
    const client = await quietConsole(
      isSwaggerDeprecationNotice,
      (text) => opts.log.info({ source: "ari-client" }, text),
      () =>
        withDeadline(
          attemptContext.run(attempt, () => ari.connect(base, opts.username, opts.password)),
          opts.timeoutMs,
          () => new AriUnavailableError(`ARI API declarations not loaded from ${base} within ${opts.timeoutMs} ms`, opts.serverId),
          opts.signal,
        ),
    );
    const loaded = client as unknown as Record<string, unknown>;
    const added = addMissingResources(loaded);
    if (added.length > 0) opts.log.debug({ resources: added }, "ARI server declares no such resources");
    return new AriLibraryClient(loaded);
  } catch (err) {
    attempt.abandoned = true;
    releaseLibrarySockets(opts.origin);
    throw connectFailure(err, base, opts.serverId);
  } finally {
    trimSwaggerLogHistory();
  }
}

function connectFailure(err: unknown, base: string, serverId: string): AriError | unknown {
  if (err instanceof AriUnavailableError || err instanceof AriAuthError) return err;
  if (err instanceof Error && err.name === "AbortError") return err;
  // swagger-client fails with strings such as "401 : Unauthorized http://.../resources.json"
  const text = err instanceof Error ? err.message : typeof err === "string" ? err : JSON.stringify(err);
  if (/^401\b/.test(text)) return new AriAuthError(`ARI refused the credentials while loading the API from ${base}`, serverId);
  if (err instanceof Error && err.name === "HostIsNotReachable") {
    return new AriUnavailableError(`ARI server ${base} is not reachable: ${err.message}`, serverId, { cause: err });
  }
  return new AriUnavailableError(`ARI API declarations could not be loaded from ${base}: ${text}`, serverId, { cause: err });
}

