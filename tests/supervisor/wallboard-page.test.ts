// The wallboard page's files over HTTP: the agent page's headers (CSP, frames, sniffing, caching), every
// module of the page served as JavaScript, nothing else of the folder, and no inline script or style.
import { readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { WALLBOARD_PAGE_DIR } from "../../src/supervisor/index.js";
import { redisPerFile } from "../setup/redis.js";
import { startBoard, type BoardServer } from "./helpers.js";

const { env, redis } = redisPerFile();
let board: BoardServer;
beforeAll(async () => {
  board = await startBoard(redis(), env.prefix);
});
afterAll(async () => {
  await board?.close();
});

describe("the wallboard page", () => {
  test("is served with the agent page's strict CSP and headers", async () => {
    const [page, agent] = await Promise.all([fetch(`${board.url}/wallboard`), fetch(`${board.url}/agent`)]);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    for (const h of ["content-security-policy", "x-frame-options", "x-content-type-options", "referrer-policy", "cache-control"]) {
      expect(page.headers.get(h), h).toBe(agent.headers.get(h));
    }
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    const html = await page.text();
    expect(html).toContain('<script type="module" src="/wallboard/wallboard.js"></script>');
    expect(html).not.toMatch(/<script>|<script [^>]*>[^<]|\son[a-z]+=|style=/);
  });

  test("every file of the page is served, as its type; none writes HTML or inline styles; others are 404", async () => {
    // the two pages are served at /wallboard and /supervisor, never as files
    for (const file of readdirSync(WALLBOARD_PAGE_DIR).filter((f) => !f.endsWith(".html"))) {
      const res = await fetch(`${board.url}/wallboard/${file}`);
      expect(res.status, file).toBe(200);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      const type = res.headers.get("content-type") ?? "";
      if (file.endsWith(".js")) {
        expect(type).toMatch(/javascript/);
        const js = await res.text();
        expect(js, file).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|setAttribute\("style"|document\.write/);
      } else if (file.endsWith(".css")) expect(type).toMatch(/text\/css/);
      else expect(type).toMatch(/image\/svg\+xml/);
    }
    for (const path of ["/wallboard/wallboard.html", "/wallboard/supervisor.html", "/WALLBOARD/BOARD.JS", "/wallboard/board.js/", "/wallboard/../package.json"]) {
      const res = await fetch(`${board.url}${path}`);
      expect(res.status, path).toBe(404);
      expect(await res.json()).toEqual({ error: "not found" });
    }
  });
});
