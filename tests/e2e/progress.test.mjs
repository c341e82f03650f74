// Browser test of the assignment loop: a new key task reaches Lhasa; its liaison signs for
// it, reports 100 % with a file from the progress form, and the light turns green.
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

async function api(path, token, body) {
  const response = await fetch(`${env.base}${path}`, {
    method: body ? "POST" : "GET",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  assert.ok(response.ok, `${path}: ${response.status} ${await response.clone().text()}`);
  return response.json();
}

test("acknowledge, report with a file, and the light turns green", async () => {
  const { token } = await api("/api/v1/auth/token", null, { username: "office", password: "pacesetter-demo" });
  const [campaign] = await api("/api/v1/campaigns", token);
  const plan = await api(`/api/v1/campaigns/${campaign.id}/plan`, token);
  const units = await api("/api/v1/units?q=540100", token);
  const lhasa = units.items.find((u) => u.code === "540100");
  const task = await api("/api/v1/plan-items", token, {
    parent_id: plan[0].item.id,
    title: "浏览器测试任务",
    lead_unit_id: lhasa.id,
    starts_on: "2023-06-01",
    due_on: "2023-07-31",
  });

  const context = await env.browser.newContext({ locale: "zh-CN" });
  const page = await context.newPage();
  await signIn(page, env.base, "lhasa");
  await page.goto(`${env.base}/assignments?q=${encodeURIComponent("浏览器测试任务")}`);
  await page.click("table.assignments tbody a");
  assert.match(await page.locator(".page-head").innerText(), /已交办/);
  await Promise.all([page.waitForLoadState("load"), page.click("button:has-text('签收')")]);
  assert.match(await page.locator(".page-head").innerText(), /已签收/);

  await page.fill("#percent", "100");
  await page.fill("#comment", "任务已完成，附活动方案。");
  await page.setInputFiles("#file", { name: "活动方案.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4\n%%EOF\n") });
  await page.check("input[name=submit]");
  await Promise.all([page.waitForLoadState("load"), page.click("button:has-text('保存进度')")]);

  const head = await page.locator(".page-head").innerText();
  assert.match(head, /绿灯/, head);
  assert.match(head, /已报送/);
  assert.match(await page.locator(".timeline").innerText(), /活动方案\.pdf/);
  assert.ok(task.id > 0);
  await context.close();
});
