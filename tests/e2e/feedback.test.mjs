// Browser tests of daily use (issue 19): on a phone, a report of 150 % comes back with the
// problem summarised at the top, linked to the field, and the input kept; a good save says
// "已保存"; the office ticks every open task of a list and chases them at once, and closes a
// selection after confirming; a phone shows every prefecture of the heat map at a glance.
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

async function api(path, token) {
  const response = await fetch(`${env.base}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return response.json();
}

async function token(username) {
  const response = await fetch(`${env.base}/api/v1/auth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password: "pacesetter-demo" }),
  });
  return (await response.json()).token;
}

test("on a phone, a refused report is summarised at the top and a good one says saved", async () => {
  const lhasa = await token("lhasa");
  const [line] = (await api("/api/v1/assignments?state=in_progress", lhasa)).items;
  const context = await env.browser.newContext({ viewport: { width: 390, height: 844 }, locale: "zh-CN" });
  const page = await context.newPage();
  await signIn(page, env.base, "lhasa");
  await page.goto(`${env.base}/assignments/${line.assignment.id}`);
  await page.fill("#percent", "150");
  await page.fill("#comment", "已完成大半");
  await Promise.all([page.waitForLoadState("load"), page.click("form[enctype] button[type=submit]")]);

  // The summary is on the first screen, and its link leads to the field.
  const summary = page.locator(".error-summary");
  assert.ok(await summary.isVisible());
  const box = await summary.boundingBox();
  assert.ok(box.y + box.height <= 844, `the summary is seen without scrolling (${box.y})`);
  assert.equal(await page.inputValue("#percent"), "150", "the input is kept");
  assert.equal(await page.inputValue("#comment"), "已完成大半");
  await summary.locator("a[href='#percent']").click();
  assert.match(page.url(), /#percent$/);

  await page.fill("#percent", "60");
  await Promise.all([page.waitForLoadState("load"), page.click("form[enctype] button[type=submit]")]);
  assert.equal(await page.locator(".notice").innerText(), "已保存。");
  await page.reload();
  assert.equal(await page.locator(".notice").count(), 0, "said once");
  await context.close();
});

test("the office selects every open task of a list and chases them with a message", async () => {
  const context = await env.browser.newContext({ locale: "zh-CN" });
  const page = await context.newPage();
  await signIn(page, env.base, "office");
  await page.goto(`${env.base}/assignments?state=in_progress`);
  const boxes = page.locator("input[name=ids]");
  const selectable = await boxes.count();
  assert.ok(selectable > 1, "open tasks can be selected");
  await page.check("input[data-select-all]");
  assert.equal(await page.locator("input[name=ids]:checked").count(), selectable);
  await page.fill("#bulk-message", "请于本周五前报送进展");
  await Promise.all([page.waitForLoadState("load"), page.click("#chase-form button[type=submit]")]);
  assert.match(await page.locator(".notice").innerText(), new RegExp(`已催办 ${selectable} 项任务`));
  assert.match(page.url(), /state=in_progress/, "back on the same list");

  const lhasa = await token("lhasa");
  const inbox = await api("/api/v1/notifications", lhasa);
  assert.ok(inbox.some((n) => n.kind === "reminder" && n.body.endsWith("请于本周五前报送进展")), "the liaison is told");
  await context.close();
});

test("the office closes a reported selection after confirming, and a cancelled close changes nothing", async () => {
  // Lhasa reports one task through the API.
  const lhasa = await token("lhasa");
  const open = await api("/api/v1/assignments?state=in_progress&per_page=1", lhasa);
  const { id, version } = open.items[0].assignment;
  const reported = await fetch(`${env.base}/api/v1/assignments/${id}/updates`, {
    method: "POST",
    headers: { authorization: `Bearer ${lhasa}`, "content-type": "application/json", "if-match": `"${version}"` },
    body: JSON.stringify({ percent: 100, narrative: "已完成", submit: true }),
  });
  assert.equal(reported.status, 200);

  const context = await env.browser.newContext({ locale: "zh-CN" });
  const page = await context.newPage();
  await signIn(page, env.base, "office");
  await page.goto(`${env.base}/assignments?state=reported`);
  await page.check(`input[name=ids][value="${id}"]`);
  const questions = [];
  page.once("dialog", (dialog) => {
    questions.push(dialog.message());
    dialog.dismiss();
  });
  await page.click("button[value=close]");
  assert.match(questions[0] ?? "", /确定将所选任务办结/);
  assert.match(page.url(), /state=reported/, "not sent");
  page.once("dialog", (dialog) => dialog.accept());
  await Promise.all([page.waitForLoadState("load"), page.click("button[value=close]")]);
  assert.match(await page.locator(".notice").innerText(), /已办结 1 项任务/);
  const office = await token("office");
  assert.equal((await api(`/api/v1/assignments/${id}`, office)).assignment.state, "closed");
  await context.close();
});

test("on a phone, the dashboard shows every prefecture at a glance", async () => {
  const context = await env.browser.newContext({ viewport: { width: 390, height: 844 }, locale: "zh-CN" });
  const page = await context.newPage();
  await signIn(page, env.base, "office");
  const glances = page.locator("ul.glances");
  assert.equal(await glances.isVisible(), true);
  const text = await glances.innerText();
  for (const name of ["拉萨市", "日喀则市", "昌都市", "林芝市", "山南市", "那曲市", "阿里地区"]) {
    assert.ok(text.includes(name), `${name} at a glance`);
  }
  // Nothing runs off the screen sideways but the map, which scrolls inside itself.
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `page is ${width}px wide`);
  await Promise.all([page.waitForLoadState("load"), page.locator("ul.glances a.square").first().click()]);
  assert.match(page.url(), /\/assignments\?.*pillar=\d+/);
  await context.close();
});

test("no page is wider than a phone, in Chinese or Tibetan", async () => {
  const pages = {
    office: ["/", "/assignments", "/campaigns/1", "/units", "/inspections", "/evaluations", "/contests", "/users"],
    lhasa: ["/", "/assignments", "/assignments/9", "/findings/1", "/inbox", "/search?q=拉萨"],
    inspector: ["/"],
  };
  const wide = [];
  for (const [user, paths] of Object.entries(pages)) {
    for (const lang of ["zh-Hans", "bo"]) {
      const context = await env.browser.newContext({ viewport: { width: 390, height: 844 }, locale: "zh-CN" });
      await context.addCookies([{ name: "lang", value: lang, url: env.base }]);
      const page = await context.newPage();
      await signIn(page, env.base, user);
      for (const path of paths) {
        await page.goto(`${env.base}${path}`);
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        if (width > 390) wide.push(`${user} ${lang} ${path}: ${width}px`);
      }
      await context.close();
    }
  }
  assert.deepEqual(wide, []);
});

test("at 1280 px the office's whole menu keeps to one line, in Chinese and Tibetan", async () => {
  for (const lang of ["zh-Hans", "bo"]) {
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "zh-CN" });
    await context.addCookies([{ name: "lang", value: lang, url: env.base }]);
    const page = await context.newPage();
    await signIn(page, env.base, "office");
    const [bar, brand] = await page.evaluate(() => [".topbar", ".brand"].map((s) => document.querySelector(s).getBoundingClientRect().height));
    assert.ok(bar < brand * 2 + 24, `${lang}: the header is ${bar}px tall`);
    await context.close();
  }
});

test("printed, a list is a table without the menu, and a phone-width page is not cards", async () => {
  const context = await env.browser.newContext({ viewport: { width: 760, height: 1000 }, locale: "zh-CN" });
  const page = await context.newPage();
  await signIn(page, env.base, "office");
  await page.goto(`${env.base}/assignments?state=in_progress`);
  await page.emulateMedia({ media: "print" });
  assert.equal(await page.locator(".topbar").isVisible(), false, "no menu on paper");
  assert.equal(await page.locator("#chase-form").isVisible(), false, "no forms on paper");
  assert.equal(await page.locator("table.assignments thead").evaluate((e) => getComputedStyle(e).display), "table-header-group");
  await context.close();
});
