// Browser test of a progress meeting: the office schedules it through the pages (its time, a
// branch venue in Xigazê expecting the prefecture and two counties, an agenda item), with its
// own page left open as the main venue; Xigazê's liaison opens the venue on a phone and checks
// the units in, one on leave with a reason; the main venue's roll call follows without a reload.
// Then the meeting decides: Xigazê leads a follow-up, which its liaison finds among its tasks,
// and which comes back on the next meeting's agenda while it is open.
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

async function as(username, viewport) {
  const context = await env.browser.newContext({ locale: "zh-CN", ...(viewport ? { viewport } : {}) });
  const page = await context.newPage();
  await signIn(page, env.base, username);
  return { context, page };
}

test("a meeting is scheduled, a branch venue checks in from a phone, and the main venue sees it", async () => {
  const office = await as("office");
  await office.page.click("nav.mainnav >> text=推进会");
  await office.page.fill("#title", "专题推进会");
  await office.page.fill("#starts_at", "2023-08-18T15:00");
  await office.page.selectOption("#mode", "video");
  await office.page.click("button:has-text('安排会议')");
  await office.page.waitForSelector("h1:has-text('专题推进会')");
  const meetingUrl = office.page.url().split("#")[0];

  await office.page.selectOption("#kind", "branch");
  await office.page.fill("#name", "日喀则市分会场");
  await office.page.fill("#host_unit_id", "540200");
  await office.page.fill("#expected_unit_ids", "540200\n桑珠孜区、南木林县");
  await office.page.click("button:has-text('添加会场')");
  await office.page.waitForSelector(".alert-ok");
  await office.page.fill("#title", "通报重点任务进展");
  await office.page.fill("#minutes", "25");
  await office.page.click("button:has-text('添加议题')");
  await office.page.waitForSelector("td:has-text('15:00–15:25')");
  await office.page.goto(meetingUrl);
  const row = office.page.locator("table.roll-call tr:has-text('日喀则市分会场')");
  assert.match(await row.innerText(), /未联调[\s\S]*3\s+0\s+0\s+0\s+3/);

  // Xigazê's liaison, on a phone, finds the venue from the meetings page.
  const host = await as("shigatse", { width: 390, height: 844 });
  await host.page.goto(`${env.base}/meetings`);
  await host.page.click("tr:has-text('专题推进会') >> text=会场签到");
  await host.page.waitForSelector("h1:has-text('日喀则市分会场')");
  await host.page.click("text=报告联调结果");
  await host.page.waitForSelector(".alert-ok");
  const lines = host.page.locator("form.point-form:has(input[name=unit_id])");
  assert.equal(await lines.count(), 3);
  for (const i of [0, 1]) {
    await lines.nth(i).locator("label:has-text('出席')").click();
    await lines.nth(i).locator("button:has-text('保存')").click();
    await lines.nth(i).locator("legend .tag:has-text('出席')").waitFor();
  }
  // On leave without a reason is refused beside the line; with it, kept.
  await lines.nth(2).locator("label:has-text('请假')").click();
  await lines.nth(2).locator("button:has-text('保存')").click();
  await host.page.waitForSelector(".error-summary, [role=alert]:has-text('必填')");
  await lines.nth(2).locator("input[name=reason]").fill("赴区外学习");
  await lines.nth(2).locator("button:has-text('保存')").click();
  await lines.nth(2).locator("legend .tag:has-text('请假')").waitFor();

  // The main venue's page was not reloaded: its roll call follows within its polling interval.
  await office.page.waitForFunction(() => {
    const line = [...document.querySelectorAll("table.roll-call tr")].find((r) => r.textContent.includes("日喀则市分会场"));
    const numbers = line ? [...line.cells].slice(2).map((c) => c.textContent.trim()).join(" ") : "";
    return /联调正常/.test(line?.textContent ?? "") && numbers === "3 2 1 0 0";
  }, null, { timeout: 25000 });

  // A decision with its lead unit, deadline and first checkpoint.
  await office.page.fill("#decision-title", "补齐县（区）创建工作台账");
  await office.page.fill("#decision-text", "日喀则市9月底前补齐各县（区）创建工作台账。");
  await office.page.fill("#decision-lead", "540200");
  await office.page.fill("#decision-due", "2023-09-30");
  await office.page.fill("#checkpoint-label-1", "3日内首次反馈");
  await office.page.fill("#checkpoint-due-1", "2023-08-21");
  await office.page.click("button:has-text('记录议定事项')");
  await office.page.waitForSelector("#decisions td:has-text('补齐县（区）创建工作台账')");
  assert.match(await office.page.locator("#decisions").innerText(), /牵头单位：日喀则市[\s\S]*3日内首次反馈/);

  // Xigazê's liaison finds it among the unit's tasks, and its page leads back to the meeting.
  await host.page.goto(`${env.base}/assignments?q=${encodeURIComponent("补齐县（区）")}`);
  await host.page.click("table a:has-text('补齐县（区）创建工作台账')");
  await host.page.waitForSelector("h1:has-text('补齐县（区）创建工作台账')");
  assert.match(await host.page.locator("main").innerText(), /来自推进会：专题推进会/);

  // The next meeting carries it on its agenda until it is closed.
  await office.page.goto(`${env.base}/meetings`);
  await office.page.fill("#title", "第三季度推进会");
  await office.page.fill("#starts_at", "2023-09-08T10:00");
  await office.page.selectOption("#mode", "video");
  await office.page.click("button:has-text('安排会议')");
  await office.page.waitForSelector("h1:has-text('第三季度推进会')");
  const carried = await office.page.locator("#carried").innerText();
  assert.match(carried, /补齐县（区）创建工作台账[\s\S]*专题推进会/);
  await host.context.close();
  await office.context.close();
});
