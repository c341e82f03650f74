import { chromium } from "playwright-core";
import { signIn } from "./server.mjs";
const base = "http://127.0.0.1:8080";
const out = "/tmp/shots";
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
const api = async (path, token) => (await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } })).json();
const { token } = await (await fetch(`${base}/api/v1/auth/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "office", password: "pacesetter-demo" }) })).json();
const [campaign] = await api("/api/v1/campaigns", token);
const contests = await api(`/api/v1/campaigns/${campaign.id}/contests`, token);
const farmers = await api(`/api/v1/contests/${contests[0].id}`, token);
const youth = await api(`/api/v1/contests/${contests[1].id}`, token);
const youthFinal = youth.rounds[youth.rounds.length - 1].id;
const sizes = { desktop: { width: 1280, height: 860 }, phone: { width: 390, height: 844 } };
for (const lang of ["zh-Hans", "bo"]) {
  for (const [size, viewport] of Object.entries(sizes)) {
    for (const [user, pages] of [
      ["office", [["contests", "/contests"], ["contest", `/contests/${contests[1].id}`], ["round", `/contest-rounds/${youthFinal}`], ["farmers", `/contest-rounds/${farmers.rounds[0].id}`]]],
      ["judge1", [["judging", "/judging"]]],
      ["viewer", [["screen", `/contest-rounds/${youthFinal}/screen`]]],
    ]) {
      const context = await browser.newContext({ viewport: size === "desktop" && user === "viewer" ? { width: 1920, height: 1080 } : viewport });
      await context.addCookies([{ name: "lang", value: lang, url: base }]);
      const page = await context.newPage();
      await signIn(page, base, user);
      for (const [name, path] of pages) {
        await page.goto(`${base}${path}`);
        await page.waitForTimeout(300);
        await page.screenshot({ path: `${out}/${name}-${lang}-${size}.png`, fullPage: name !== "screen" });
      }
      await context.close();
    }
  }
}
await browser.close();
