// Starts `pacesetter demo` on a free loopback port with a fresh data directory (loading the demo
// takes some seconds in a debug build), and a
// headless Debian Chromium; both are stopped by `stop()`.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createServer } from "node:net";
import { chromium } from "playwright-core";

const BIN = process.env.PACESETTER_BIN ?? resolve(import.meta.dirname, "../../target/debug/pacesetter");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
    server.on("error", fail);
  });
}

async function waitForHealth(base, child) {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`pacesetter exited with ${child.exitCode}`);
    try {
      const response = await fetch(`${base}/api/v1/health`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("pacesetter did not become healthy in 60 s");
}

/** `extraEnv` adds settings, e.g. `{ PACESETTER_SECOND_FACTOR: "required" }`. */
export async function start(extraEnv = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), "pacesetter-e2e-"));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // The demo always runs on its own SQLite file, whatever the caller's environment says.
  const env = { ...process.env, ...extraEnv };
  delete env.PACESETTER_DATABASE_URL;
  const child = spawn(BIN, ["demo", "--listen", `127.0.0.1:${port}`, "--data-dir", dataDir], {
    stdio: ["ignore", "inherit", "inherit"],
    env,
  });
  await waitForHealth(base, child);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  return {
    base,
    browser,
    async stop() {
      await browser.close();
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Signs in through the real form and lands on the units page. */
export async function signIn(page, base, username) {
  await page.goto(`${base}/login`);
  await page.fill("#username", username);
  await page.fill("#password", "pacesetter-demo");
  // Each role lands where its work is: anywhere but the sign-in page.
  await Promise.all([page.waitForURL((url) => !url.pathname.startsWith("/login")), page.click("button[type=submit].btn-primary")]);
}
