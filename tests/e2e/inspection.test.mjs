// Browser test of an inspection: the office starts the demo's planned round; the inspector, on a
// phone, records a finding with a photo and a rectification item on Lhasa's checklist; Lhasa's
// liaison responds with a file as evidence; the inspector verifies and closes it (销号).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { start, signIn } from "./server.mjs";

const PHOTO = fileURLToPath(new URL("../../crates/domain/fixtures/photo-gps.jpg", import.meta.url));

let env;
before(async () => {
  env = await start();
});
after(async () => {
  await env?.stop();
});

async function submit(page, selector) {
  await Promise.all([page.waitForLoadState("load"), page.click(selector)]);
}

async function as(username, viewport) {
  const context = await env.browser.newContext({ locale: "zh-CN", ...(viewport ? { viewport } : {}) });
  const page = await context.newPage();
  page.on("dialog", (dialog) => dialog.accept());
  await signIn(page, env.base, username);
  return { context, page };
}

test("finding, response, verification and closure", async () => {
  // The office starts the round that is still being planned.
  let { context, page } = await as("office");
  await page.click("nav.mainnav >> text=督导检查");
  await page.click("a:has-text('2023年第三季度创建工作调研督导')");
  await submit(page, "button:has-text('开始督导')");
  assert.match(await page.locator(".summary-strip").innerText(), /进行中/);
  const round = new URL(page.url()).pathname;
  await context.close();

  // The inspector, on a phone: Lhasa's checklist, a point checked, a finding recorded.
  ({ context, page } = await as("inspector", { width: 390, height: 844 }));
  await page.goto(`${env.base}${round}`);
  await page.click("table a:has-text('拉萨市')");
  await page.locator("section.point").first().locator("input[value='unmet']").check();
  await submit(page, "section.point >> nth=0 >> button:has-text('保存')");
  assert.match(await page.locator("section.point").first().innerText(), /督导检查\s*未达标/);
  await page.selectOption("#f-severity", "major");
  await page.fill("#f-category", "台账资料");
  await page.fill("#f-description", "论坛筹备台账不完整");
  await page.fill("#f-measure", "补齐筹备台账");
  await page.fill("#f-due", "2099-03-31");
  await page.setInputFiles("#f-photo", PHOTO);
  await submit(page, "button:has-text('记录问题') >> nth=-1");
  assert.match(page.url(), /\/findings\/\d+$/);
  const finding = new URL(page.url()).pathname;
  assert.match(await page.locator("#rectification").innerText(), /待整改/);
  // The photo taken on site is shown (loaded, not a broken image).
  const photo = page.locator("ul.photos img");
  assert.equal(await photo.count(), 1);
  await photo.evaluate((img) => img.decode());
  assert.ok((await photo.evaluate((img) => img.naturalWidth)) > 0);
  await context.close();

  // Lhasa's liaison responds.
  ({ context, page } = await as("lhasa"));
  await page.goto(`${env.base}${finding}`);
  // Spaces pass the browser's own check; the server refuses them beside the form.
  await page.fill("#respond-text", "   ");
  await submit(page, "button:has-text('提交整改情况')");
  assert.match(await page.locator("#step-error").innerText(), /请写明整改情况/);
  await page.fill("#respond-text", "已补齐筹备台账并归档");
  await page.setInputFiles("#file", { name: "筹备台账.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4\n%%EOF\n") });
  await submit(page, "button:has-text('提交整改情况')");
  assert.match(await page.locator("#rectification").innerText(), /已反馈/);
  await context.close();

  // The inspector verifies and closes it; the ledger shows it closed.
  ({ context, page } = await as("inspector"));
  await page.goto(`${env.base}${finding}`);
  assert.match(await page.locator(".timeline").innerText(), /已补齐筹备台账并归档/);
  assert.match(await page.locator(".timeline a").innerText(), /筹备台账\.pdf/, "the evidence with the response");
  await submit(page, "button:has-text('核验通过，销号')");
  assert.match(await page.locator("#rectification").innerText(), /已销号/);
  await page.goto(`${env.base}/inspections?state=closed`);
  assert.match(await page.locator("table.findings").innerText(), /论坛筹备台账不完整/);
  await context.close();
});
