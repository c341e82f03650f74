// Browser test of an evaluation: the office sets up a two-indicator scheme over the API (the
// demo has none of its own); Lhasa's liaison self-assesses and hands in; the inspector scores
// beside the unit's answers; the office runs it and the explanation adds up to the final score.
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

async function api(path, token, body, method = body ? "POST" : "GET", headers = {}) {
  const response = await fetch(`${env.base}${path}`, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  assert.ok(response.ok, `${path}: ${response.status} ${await response.clone().text()}`);
  return response.json();
}

const scheme = {
  total_points: "100", aggregation: "points",
  nodes: [
    { code: "A1", parent: null, name: "宣传报道", points: "60",
      rubric: { kind: "levels", levels: [{ name: "A", fraction: "1" }, { name: "B", fraction: "0.8" }, { name: "C", fraction: "0.6" }] } },
    { code: "A2", parent: null, name: "工作机制", points: "40", rubric: { kind: "checklist", items: ["20", "20"] } },
  ],
  combine: { kind: "inspector_overrides", self_when_uninspected: false },
  discrepancy_pct: "10", evidence_gate: true, bonus_cap: "5", deduction_cap: null,
  bands: [{ name: "优秀", min: "90" }, { name: "良好", min: "80" }, { name: "合格", min: "60" }, { name: "不合格", min: "0" }],
  quotas: [], tie_overflow: false, tie_breakers: [{ kind: "base_desc" }], rank_style: "competition",
  rounding: "half_up", precision: 2,
};

async function submit(page, selector) {
  await Promise.all([page.waitForLoadState("load"), page.click(selector)]);
}

test("self-assess, inspector score, run and explain", async () => {
  const { token } = await api("/api/v1/auth/token", null, { username: "office", password: "pacesetter-demo" });
  const [campaign] = await api("/api/v1/campaigns", token);
  const units = await api("/api/v1/units?q=540100", token);
  const lhasa = units.items.find((u) => u.code === "540100");
  const body = { campaign_id: campaign.id, name: "浏览器测试考评", scheme, units: [{ unit_id: lhasa.id, category: "地市" }] };
  const created = await api("/api/v1/evaluations", token, body);
  await api(`/api/v1/evaluations/${created.id}`, token, { name: body.name, status: "active", scheme, units: body.units },
    "PUT", { "if-match": `"${created.version}"` });

  // The liaison: from the menu to the scheme to the self-assessment.
  const liaison = await env.browser.newContext({ locale: "zh-CN" });
  let page = await liaison.newPage();
  page.on("dialog", (dialog) => dialog.accept());
  await signIn(page, env.base, "lhasa");
  await page.click("nav.mainnav >> text=考核评估");
  await page.click("text=浏览器测试考评");
  await page.click("a:has-text('对标对表自查')");
  assert.match(await page.locator(".alert-warning").innerText(), /还有 2 项未自评/);
  await page.selectOption("#a0", "A");
  await page.fill("#c0", "开展宣传报道 12 次。");
  await page.check("input[name=a1][value='0']");
  await page.check("input[name=a1][value='1']");
  await submit(page, "button:has-text('保存')");
  assert.match(await page.locator(".alert-ok").innerText(), /已保存/);
  await submit(page, "button:has-text('提交自查')");
  assert.match(await page.locator(".page-head").innerText(), /已提交/);
  await liaison.close();

  // The inspector: the unit's answers beside theirs; a level lower is flagged.
  const inspectorContext = await env.browser.newContext({ locale: "zh-CN" });
  page = await inspectorContext.newPage();
  await signIn(page, env.base, "inspector");
  await page.goto(`${env.base}/evaluations/${created.id}`);
  await page.click("a:has-text('督导评分')");
  assert.match(await page.locator("#leaf-A1 .other").innerText(), /开展宣传报道 12 次/);
  await page.selectOption("#a0", "B");
  await page.check("input[name=a1][value='0']");
  await page.check("input[name=a1][value='1']");
  await submit(page, "button:has-text('保存')");
  assert.match(await page.locator("#leaf-A1").innerText(), /差异过大，待复核/);
  await inspectorContext.close();

  // The office: run, results with the ranking chart, and the explanation adding up.
  const officeContext = await env.browser.newContext({ locale: "zh-CN" });
  page = await officeContext.newPage();
  await signIn(page, env.base, "office");
  await page.goto(`${env.base}/evaluations/${created.id}`);
  await submit(page, "button:has-text('运行评分')");
  assert.ok(await page.locator("svg.ranking").count() > 0);
  const row = await page.locator("table.results tbody tr").first().innerText();
  assert.match(row, /拉萨市/);
  assert.match(row, /88\.00/);
  await page.click("a:has-text('得分说明')");
  const explanation = await page.locator("main").innerText();
  assert.match(explanation, /B → 0\.8 × 60/);
  assert.match(explanation, /48 \+ 40 = 88/);
  assert.match(explanation, /88\.00/);
  await officeContext.close();
});
