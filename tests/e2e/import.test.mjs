// Browser test of the task-breakdown import: the office uploads its sheet from the plan page,
// the preview names what it could not read, the office maps the lead-unit column by hand,
// previews again, commits, and the task is in the plan.
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

// The lead-unit column is headed 主责单位, which the importer does not know; one unit name is
// written short.
const SHEET = [
  "2023年重点任务分解表,,,,,,",
  "序号,工程/行动,重点任务,具体措施,主责单位,责任单位,完成时限",
  "1,第二项工程,浏览器导入的任务,制定方案并组织实施,自治区党委宣传部,拉萨市、宣传部,2023年10月底前",
].join("\n");

test("upload a task sheet, map a column in the preview, commit", async () => {
  const context = await env.browser.newContext({ locale: "zh-CN" });
  const page = await context.newPage();
  await signIn(page, env.base, "office");
  await page.goto(`${env.base}/campaigns`);
  await page.click("table a[href^='/campaigns/']");
  await Promise.all([page.waitForLoadState("load"), page.click("a:has-text('导入任务分解表')")]);
  await page.setInputFiles("#file-plan", { name: "任务分解表.csv", mimeType: "text/csv", buffer: Buffer.from(SHEET) });
  await Promise.all([page.waitForLoadState("load"), page.click("#plan button[type=submit]")]);

  // The lead column is missing, and the short name has a suggestion next to its cell.
  assert.match(await page.locator(".alert-error").first().innerText(), /牵头单位/);
  assert.match(await page.locator("td.cell-error").innerText(), /是否为：自治区党委宣传部/);

  // Map 主责单位 (column E) as the lead unit and preview again.
  await page.selectOption("#map-lead", "E");
  await Promise.all([page.waitForLoadState("load"), page.click("button:has-text('重新预览')")]);
  assert.equal(await page.locator("#map-lead").inputValue(), "E");
  assert.match(await page.locator("td.cell-error").innerText(), /是否为/, "the short name still needs fixing");

  // Corrected sheet: the mapping is chosen again on the new upload, then committed.
  await page.goto(`${env.base}/imports`);
  await page.setInputFiles("#file-plan", {
    name: "任务分解表（修改）.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(SHEET.replace("拉萨市、宣传部", "拉萨市")),
  });
  await Promise.all([page.waitForLoadState("load"), page.click("#plan button[type=submit]")]);
  await page.selectOption("#map-lead", "E");
  await Promise.all([page.waitForLoadState("load"), page.click("button:has-text('重新预览')")]);
  assert.match(await page.locator(".alert-ok").innerText(), /将导入 1 项任务/);
  page.once("dialog", (dialog) => dialog.accept());
  await Promise.all([page.waitForLoadState("load"), page.click("button:has-text('确认导入')")]);
  assert.match(await page.locator("main").innerText(), /新建任务 1 项/);

  await page.goto(`${env.base}/assignments?q=${encodeURIComponent("浏览器导入的任务")}`);
  const rows = await page.locator("table.assignments tbody tr").count();
  assert.equal(rows, 2, "the lead department and Lhasa each have the task");
  await context.close();
});
