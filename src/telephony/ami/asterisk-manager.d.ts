/**
 * Types for asterisk-manager 0.2.0 (which ships none), describing only what Switchboard relies on,
 * as the library's source behaves.
 */
declare module "asterisk-manager" {
  import type { TcpNetConnectOpts } from "node:net";

  namespace AsteriskManager {
    /**
     * One parsed message. Keys are lower-cased; a repeated key becomes an array; `variable` and
     * `chanvariable` lines become an object of name -> value.
     */
    type RawMessage = Record<string, string | string[] | Record<string, string>>;

    /** `err` is the whole message (a plain object, not an Error) when the response was `Error`. */
    type ActionCallback = (err: RawMessage | undefined | null, res?: RawMessage) => void;

    /** Header values: arrays are joined with commas, objects become one `Key: name=value` line each. */
    type ActionValue = string | readonly string[] | Record<string, string>;

    interface Manager {
      options: { port?: number; host: string; username: string; password: string; events: boolean };
      /**
       * Opens the TCP connection. `port` is passed to `net.createConnection(port, host)` as is, so an
       * options object (with `signal`) works when `host` is undefined. `callback` runs on connect only.
       */
      connect(port: number | TcpNetConnectOpts, host: string | undefined, callback?: (err: null) => void): void;
      /** Sends Login with the constructor's credentials; `err` is the Error response. */
      login(callback?: (err?: RawMessage) => void): void;
      /** Writes the action (keys sorted, ActionID from `actionid`) and returns the ActionID used. */
      action(action: Record<string, ActionValue>, callback?: ActionCallback): string;
      disconnect(callback?: () => void): void;
      isConnected(): boolean;
      /** Not used by Switchboard: it console.logs and only works if called before the socket opens. */
      keepConnected(): void;
      on(event: "managerevent", listener: (event: RawMessage) => void): this;
      on(event: "close" | "end" | "connect", listener: () => void): this;
      on(event: "error", listener: (err: Error) => void): this;
      on(event: string, listener: (...args: never[]) => void): this;
      removeListener(event: string, listener: (...args: never[]) => void): this;
      removeAllListeners(event?: string): this;
      listeners(event: string): Array<(...args: unknown[]) => void>;
    }
  }

  /** With a `port` the constructor connects and logs in by itself (silently on failure): pass none. */
  function AsteriskManager(port?: number, host?: string, username?: string, password?: string, events?: boolean): AsteriskManager.Manager;

  export = AsteriskManager;
}
