/**
 * The ARI event WebSocket hub: one socket owns each Stasis app; a second socket for the same app
 * takes it over and the first one receives `ApplicationReplaced` and then nothing. Nothing is sent
 * on connect. Frames from clients are ignored (garbage included).
 */
import { WebSocket } from "ws";
import type { PbxEvent, SimPbx } from "../pbx.js";
import { ariTime, eventFrame } from "./json.js";

export class EventHub {
  private readonly owners = new Map<string, WebSocket>();
  private readonly sockets = new Set<WebSocket>();
  private readonly unsubscribe: () => void;

  constructor(private readonly pbx: SimPbx) {
    this.unsubscribe = pbx.onEvent((e) => this.deliver(e));
  }

  /** A socket connected for `apps`. */
  attach(ws: WebSocket, apps: string[], subscribeAll: boolean): void {
    this.sockets.add(ws);
    for (const app of apps) {
      const previous = this.owners.get(app);
      if (previous && previous !== ws) this.send(previous, { type: "ApplicationReplaced", timestamp: ariTime(Date.now()), application: app, asterisk_id: this.pbx.entityId });
      this.owners.set(app, ws);
      this.pbx.registerApp(app, { subscribeAll });
    }
    ws.on("message", () => {
      // ARI ignores what clients send on the event socket
    });
    ws.on("error", () => {
      // a broken client must not take the server down
    });
    ws.on("close", () => {
      this.sockets.delete(ws);
      for (const app of apps) {
        if (this.owners.get(app) === ws) {
          this.owners.delete(app);
          this.pbx.deactivateApp(app);
        }
      }
    });
  }

  private deliver(e: PbxEvent): void {
    for (const app of e.apps) {
      const ws = this.owners.get(app);
      if (!ws) continue;
      const frame = eventFrame(e, app, this.pbx.entityId);
      if (frame) this.send(ws, frame);
    }
  }

  private send(ws: WebSocket, frame: Record<string, unknown>): void {
    if (ws.readyState !== WebSocket.OPEN) return;
    try {
      ws.send(JSON.stringify(frame));
    } catch {
      // socket went away meanwhile
    }
  }

  /** Drops every socket without a close frame (as a crashing/restarting server does: 1006). */
  dropAll(): void {
    for (const ws of [...this.sockets]) ws.terminate();
    this.sockets.clear();
    this.owners.clear();
  }

  /** Closes every socket normally. */
  closeAll(code = 1001): void {
    for (const ws of [...this.sockets]) {
      try {
        ws.close(code);
      } catch {
        ws.terminate();
      }
    }
  }

  close(): void {
    this.unsubscribe();
    this.dropAll();
  }
}
