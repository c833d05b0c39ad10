// The live stream: GET /wallboard/events read with fetch() and a stream reader (not EventSource, so the
// token rides in the Authorization header, never in a URL). A stream that ends, fails or goes quiet for
// longer than `staleMs` (the server sends at least one snapshot a second) is reconnected, waiting 0.5 s
// at first and doubling up to 15 s, with jitter. A 401 or an `expired` event means: log in again.

/** Complete events out of the text received so far, and the rest still to come (pure). */
export function parseEvents(text) {
  const events = [];
  const blocks = text.replace(/\r\n?/g, "\n").split("\n\n");
  const rest = blocks.pop();
  for (const block of blocks) {
    const e = { event: "message", data: [] };
    for (const line of block.split("\n")) {
      if (!line || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") e.event = value;
      else if (field === "data") e.data.push(value);
    }
    if (e.data.length) events.push({ event: e.event, data: e.data.join("\n") });
  }
  return { events, rest };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Opens the stream and keeps it open until stop(). `onState("live" | "reconnecting")`, `onSnapshot(s)`,
 * `onExpired()` (then it stops by itself).
 */
export function connectStream({ token, onSnapshot, onState, onExpired, staleMs = 5000 }) {
  let stopped = false;
  let controller = null;
  let watchdog = null;
  let delay = 500;

  const arm = () => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => {
      onState("reconnecting");
      controller?.abort();
    }, staleMs);
  };

  async function readOnce() {
    controller = new AbortController();
    const res = await fetch("/wallboard/events", { headers: { Authorization: `Bearer ${token}`, Accept: "text/event-stream" }, cache: "no-store", signal: controller.signal });
    if (res.status === 401) return "expired";
    if (!res.ok || !res.body) return "retry";
    arm();
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return "retry";
      const { events, rest } = parseEvents(buffered + value);
      buffered = rest;
      for (const e of events) {
        if (e.event === "expired") return "expired";
        if (e.event !== "snapshot") continue;
        arm();
        delay = 500;
        onState("live");
        onSnapshot(JSON.parse(e.data));
      }
    }
  }

  (async () => {
    while (!stopped) {
      const outcome = await readOnce().catch(() => "retry");
      clearTimeout(watchdog);
      if (stopped) return;
      if (outcome === "expired") {
        stopped = true;
        onExpired();
        return;
      }
      onState("reconnecting");
      await sleep(delay * (0.75 + Math.random() / 2));
      delay = Math.min(delay * 2, 15_000);
    }
  })();

  return {
    stop() {
      stopped = true;
      clearTimeout(watchdog);
      controller?.abort();
    },
  };
}
