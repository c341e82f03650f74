// Browser tests of the live events, each with a big screen opened before that must follow without
// being reloaded. A contest: three judges score the contestant on stage from their phones at the
// same time; the screen shows each score as it arrives, then the contestant's final score. A
// judge's phone loses the connection mid-submit and sends the score again, counted once. A quiz:
// the quiz master records an answer from a phone; the screen's standings move.
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

test("a score whose answer is lost on the way is kept on the phone and sent again, counted once", async () => {
  // judge6 sits on the exhibition's jury, whose fine art is still being judged.
  const { context, page } = await as("judge6", PHONE);
  await page.goto(`${env.base}/judging`);
  const form = page.locator("form.score-form").first();
  const action = new URL(await form.getAttribute("action"), env.base).pathname;
  for (const input of await form.locator("input[type=number]").all()) {
    await input.fill(String(Math.floor(Number(await input.getAttribute("max")) * 0.8)));
  }

  // The score reaches the server, but the connection drops before the phone hears back.
  let reached = 0;
  await page.route(`**${action}`, async (route) => {
    reached += 1;
    await route.fetch({ maxRedirects: 0 });
    await route.abort("connectionreset");
  });
  await form.locator("button[type=submit]").click();
  await page.waitForSelector("[role=status].alert-warning");
  assert.equal(reached, 1, "the score was sent once");
  const kept = await page.evaluate(() => JSON.parse(localStorage.getItem("pacesetter.pending-scores") || "[]"));
  assert.equal(kept.length, 1, "and kept on the phone");

  // The network is back: the page sends what it kept with the same key, and the server answers
  // with the score it already has instead of refusing a second one.
  await page.unroute(`**${action}`);
  const answers = [];
  page.on("response", (response) => {
    if (new URL(response.url()).pathname === action) answers.push(response.status());
  });
  await page.goto(`${env.base}/judging`);
  await page.waitForFunction(() => JSON.parse(localStorage.getItem("pacesetter.pending-scores") || "[]").length === 0);
  await page.waitForLoadState("load");
  assert.deepEqual(answers, [303], "sent again once, and taken as the score already kept");
  assert.equal(await page.locator(`form.score-form[action='${action}']`).count(), 0, "nothing left to score for that work");
  await context.close();
});

test("the quiz master records an answer from a phone and the big screen follows", async () => {
  const screen = await as("viewer", { width: 1920, height: 1080 });
  await screen.page.click("nav.mainnav >> text=赛事");
  await screen.page.click("a:has-text('7地市电视知识竞赛')");
  await screen.page.click("text=打开大屏");
  const lhasa = screen.page.locator(".board-table tr", { hasText: "拉萨市" }).locator("td.num").last();
  const before = Number(await lhasa.innerText());

  // The quiz master's console on a phone: the buzzer round goes on; Lhasa buzzes and is right.
  const master = await as("office", PHONE);
  // On a phone the menu folds behind its button.
  await master.page.click(".menu-button");
  await master.page.click("nav.mainnav >> text=赛事");
  await master.page.click("a:has-text('7地市电视知识竞赛')");
  assert.equal(await master.page.locator("#kind").inputValue(), "buzzer", "the round's kind carries on");
  await master.page.check("#record label.choice:has-text('拉萨市') input");
  await master.page.check("#record label.choice:has-text('答对') input");
  await Promise.all([master.page.waitForURL(/question=/), master.page.click("#record button:has-text('记录')")]);
  assert.match(await master.page.locator("#answers tbody tr").first().innerText(), /拉萨市.*\+20/s);

  // The screen was not reloaded: Lhasa's score rises by the buzzer's 20 points.
  await screen.page.waitForFunction(
    (expected) => [...document.querySelectorAll(".board-table tr")].some((row) =>
      row.textContent.includes("拉萨市") && row.querySelector("td.num:last-child")?.textContent === expected),
    String(before + 20), { timeout: 10000 });
  await master.context.close();
  await screen.context.close();
});
