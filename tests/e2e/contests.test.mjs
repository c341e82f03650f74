// Browser test of a contest judged live: three judges score the contestant on stage from their
// phones at the same time while the big screen, opened before, shows each score as it arrives
// and then the contestant's final score, without being reloaded.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, signIn } from "./server.mjs";

let env;
before(async () => {
  env = await start();
});
after(async () => {
  await env?.stop();
});

const PHONE = { width: 390, height: 844 };

async function as(username, viewport) {
  const context = await env.browser.newContext({ locale: "zh-CN", ...(viewport ? { viewport } : {}) });
  const page = await context.newPage();
  page.on("dialog", (dialog) => dialog.accept());
  await signIn(page, env.base, username);
  return { context, page };
}

test("three judges score at once and the big screen follows", async () => {
  // The youth final is under way in the demo: find its screen through the pages.
  const screen = await as("viewer", { width: 1920, height: 1080 });
  await screen.page.click("nav.mainnav >> text=赛事");
  await screen.page.click("a:has-text('青年宣讲比赛')");
  await screen.page.click("a:has-text('全区决赛')");
  await screen.page.click("text=打开大屏");
  await screen.page.waitForSelector(".board-seats");
  const before = await screen.page.locator(".board-name").innerText();

  // judge1 (of the office) is never excused; the others score if the contestant is not theirs.
  const judges = await Promise.all([["judge1", "34"], ["judge2", "35"], ["judge3", "36"]].map(async ([name, content]) => {
    const { context, page } = await as(name, PHONE);
    await page.goto(`${env.base}/judging`);
    return { name, content, context, page };
  }));
  await Promise.all(judges.map(async ({ content, page }) => {
    const form = page.locator("form.score-form");
    if ((await form.count()) === 0) return; // excused, or already scored
    await page.fill("input[name='c.内容']", content);
    await page.fill("input[name='c.表达']", "26");
    await page.fill("input[name='c.语言']", "17");
    await page.fill("input[name='c.形象']", "8");
    await Promise.all([page.waitForSelector(".alert-ok"), page.click("button:has-text('提交评分')")]);
  }));
  const kept = await judges[0].page.locator(".alert-ok").innerText();
  assert.match(kept, /85/, "judge1 sees the score kept");

  // The screen was not reloaded: the first seat shows judge1's score, then the final score.
  await screen.page.waitForFunction(() => document.querySelector(".board-seats li .seat-score")?.textContent === "85", null, { timeout: 10000 });
  await screen.page.waitForSelector(".board-score strong", { timeout: 10000 });
  assert.equal(await screen.page.locator(".board-name").innerText(), before, "the same contestant is on stage");
  for (const { context } of judges) await context.close();
  await screen.context.close();
});
