// Browser smoke test: sign in through the real login form and see the units page.
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

test("the office signs in and sees both trees", async () => {
  const context = await env.browser.newContext({ locale: "zh-CN" });
  const page = await context.newPage();
  await signIn(page, env.base, "office");
  assert.match(page.url(), /\/campaigns\/\d+\/dashboard$/, "the office lands on its dashboard");
  await page.goto(`${env.base}/units`);
  assert.equal(await page.locator("h1").innerText(), "组织与区划");
  const trees = await page.locator(".tree h2").allInnerTexts();
  assert.deepEqual(trees, ["专项组办公室", "西藏自治区"]);
  // Search narrows the list; the filter form keeps what was typed.
  await page.fill("#q", "拉萨");
  await Promise.all([page.waitForURL(/q=/), page.click(".filters button")]);
  assert.equal(await page.inputValue("#q"), "拉萨");
  assert.match(await page.locator(".table").innerText(), /拉萨市/);
  await context.close();
});

test("a prefecture liaison sees only its own subtree and gets no edit buttons", async () => {
  const context = await env.browser.newContext({ locale: "zh-CN" });
  const page = await context.newPage();
  await signIn(page, env.base, "lhasa");
  assert.match(page.url(), /\/assignments$/, "a liaison lands on its tasks");
  await page.goto(`${env.base}/units`);
  const trees = await page.locator(".tree h2").allInnerTexts();
  assert.deepEqual(trees, ["拉萨市"]);
  assert.equal(await page.locator("a[href='/units/new']").count(), 0);
  await page.click(".tree h2 a");
  assert.match(await page.locator(".card.wide").innerText(), /拉萨市联络员/);
  assert.equal(await page.locator("a[href$='/edit']").count(), 0);
  await context.close();
});

test("choosing Tibetan switches the page language and keeps it after signing in again", async () => {
  const context = await env.browser.newContext({ locale: "zh-CN" });
  const page = await context.newPage();
  await signIn(page, env.base, "viewer");
  await Promise.all([page.waitForLoadState("load"), page.selectOption("#lang-select", "bo")]);
  await page.waitForFunction(() => document.documentElement.lang === "bo");
  assert.match(await page.locator(".topbar").innerText(), /ཐོ་སུབ་པ།/);
  await context.close();
});
