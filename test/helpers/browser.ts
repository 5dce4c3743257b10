import assert from "node:assert/strict";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

/** Debian's Chromium (installed by `npm test`'s set-up), headless, no network beyond loopback. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.PERFLAB_CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"],
  });
}

export interface PageWatch {
  consoleErrors: string[];
  /** Requests to anything but loopback (a page that must work offline makes none). */
  externalRequests: string[];
}

/** Record console errors, page errors and requests that leave loopback. */
export function watchPage(page: Page): PageWatch {
  const w: PageWatch = { consoleErrors: [], externalRequests: [] };
  page.on("console", (m) => {
    if (m.type() === "error") w.consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => w.consoleErrors.push(String(e)));
  page.on("request", (r) => {
    const u = new URL(r.url());
    if ((u.protocol === "http:" || u.protocol === "https:") && !["127.0.0.1", "localhost", "[::1]"].includes(u.hostname)) w.externalRequests.push(r.url());
  });
  return w;
}

/**
 * An exported notebook or report opened from disk in `page` (closed after): at least `min` figures, every one
 * drawn, no request leaving the machine, no console error.
 */
export async function assertOpensOffline(page: Page, file: string, min: number): Promise<void> {
  const name = path.basename(file);
  const watch = watchPage(page);
  await page.goto(`file://${file}`);
  await page.waitForFunction((n) => document.querySelectorAll(".plab-figure").length >= n && document.querySelectorAll(".plab-figure .main-svg").length >= document.querySelectorAll(".plab-figure").length, min, { timeout: 60_000 });
  assert.deepEqual(watch.externalRequests, [], `${name}: opens offline`);
  assert.deepEqual(watch.consoleErrors, [], `${name}: no console errors`);
  await page.close();
}
