// Takes screenshots of the main pages in Chinese and Tibetan, at desktop and phone widths,
// into $SHOTS (default ./screenshots), for a person to look at.
import { mkdirSync, readFileSync } from "node:fs";
import { start, signIn } from "./server.mjs";

const out = process.env.SHOTS ?? "screenshots";
mkdirSync(out, { recursive: true });
const env = await start();
// An evaluation to look at (the demo has none of its own yet): the worked example's scheme,
// three prefectures, two of them scored on both sides, a bonus, and a draft run.
async function api(path, token, body, method = body ? "POST" : "GET", headers = {}) {
  const response = await fetch(`${env.base}${path}`, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json();
}
const { token } = await api("/api/v1/auth/token", null, { username: "office", password: "pacesetter-demo" });
const scheme = JSON.parse(readFileSync(new URL("../../examples/evaluation/scheme.json", import.meta.url), "utf8"));
const [campaign] = await api("/api/v1/campaigns", token);
const prefectures = (await api("/api/v1/units?kind=prefecture", token)).items.slice(0, 3);
const members = prefectures.map((u) => ({ unit_id: u.id, category: "地（市）" }));
const evaluation = await api("/api/v1/evaluations", token, { campaign_id: campaign.id, name: "2023年度综合考评", scheme, units: members });
await api(`/api/v1/evaluations/${evaluation.id}`, token, { name: "2023年度综合考评", status: "active", scheme, units: members },
  "PUT", { "if-match": `"${evaluation.version}"` });
const answers = [
  ["A1", { kind: "checked", value: [0, 1, 2, 3] }, { kind: "checked", value: [0, 1, 2, 3] }],
  ["A2", { kind: "checked", value: [0, 1, 2, 3, 4, 5, 6, 7] }, { kind: "checked", value: [0, 1, 2, 3, 4, 5, 6] }],
  ["B1", { kind: "level", value: "A" }, { kind: "level", value: "B" }],
  ["B2", { kind: "value", value: "0.92" }, { kind: "value", value: "0.84" }],
  ["C1", { kind: "level", value: "A" }, { kind: "level", value: "A" }],
  ["D1", { kind: "value", value: "1" }, { kind: "value", value: "0.932" }],
];
for (const [i, unit] of prefectures.slice(0, 2).entries()) {
  for (const [leaf, own, inspected] of answers) {
    const base = `/api/v1/evaluations/${evaluation.id}`;
    await api(`${base}/self-entries`, token, { unit_id: unit.id, leaf, answer: own, comment: "已按要求完成。" }, "PUT");
    const answer = i === 1 && leaf === "C1" ? { kind: "level", value: "C" } : inspected;
    await api(`${base}/inspector-entries`, token, { unit_id: unit.id, leaf, answer }, "PUT");
  }
}
await api(`/api/v1/evaluations/${evaluation.id}/items`, token, { unit_id: prefectures[0].id, effect: { kind: "bonus", points: "2", cap: "3" }, source: "获评全国先进集体" });
const run = await api(`/api/v1/evaluations/${evaluation.id}/runs`, token, {});
const runId = run.run_id ?? run.id ?? run.run?.id;

const sizes = { desktop: { width: 1280, height: 860 }, phone: { width: 390, height: 844 } };
try {
  for (const [lang, cookie] of [["zh", "zh-Hans"], ["bo", "bo"]]) {
    for (const [size, viewport] of Object.entries(sizes)) {
      const context = await env.browser.newContext({ viewport, locale: "zh-CN" });
      await context.addCookies([{ name: "lang", value: cookie, url: env.base }]);
      const page = await context.newPage();
      await page.goto(`${env.base}/login`);
      await page.screenshot({ path: `${out}/login-${lang}-${size}.png`, fullPage: true });
      await signIn(page, env.base, "office");
      await page.goto(`${env.base}/units`);
      await page.screenshot({ path: `${out}/units-${lang}-${size}.png`, fullPage: true });
      await page.click("text=拉萨市");
      await page.screenshot({ path: `${out}/unit-${lang}-${size}.png`, fullPage: true });
      await page.goto(`${env.base}/units/new?parent=15`);
      await page.click("button.btn-primary");
      await page.screenshot({ path: `${out}/form-errors-${lang}-${size}.png`, fullPage: true });
      await page.goto(`${env.base}/campaigns`);
      await page.click("table a");
      await page.screenshot({ path: `${out}/plan-${lang}-${size}.png`, fullPage: true });
      await page.click("text=进度看板");
      await page.screenshot({ path: `${out}/dashboard-${lang}-${size}.png`, fullPage: true });
      // The fourth column that opens a level down: the first prefecture (after three groups).
      await page.locator("svg.heatmap a[href*='dashboard?unit=']").nth(3).click();
      await page.screenshot({ path: `${out}/dashboard-lhasa-${lang}-${size}.png`, fullPage: true });
      await page.goto(`${env.base}/assignments?q=${encodeURIComponent("民族团结进步论坛")}&state=in_progress`);
      await page.screenshot({ path: `${out}/tasks-filtered-${lang}-${size}.png`, fullPage: true });
      await page.click("table.assignments tbody a");
      await page.screenshot({ path: `${out}/assignment-indicators-${lang}-${size}.png`, fullPage: true });
      await page.goto(`${env.base}/campaigns`);
      await page.click("table a");
      await page.click("a:has-text('编辑'), a:has-text('རྩོམ་སྒྲིག')");
      await page.screenshot({ path: `${out}/campaign-edit-${lang}-${size}.png`, fullPage: true });
      await page.goto(`${env.base}/assignments?light=red`);
      await page.screenshot({ path: `${out}/tasks-${lang}-${size}.png`, fullPage: true });
      await page.click("table.assignments tbody a");
      await page.screenshot({ path: `${out}/assignment-${lang}-${size}.png`, fullPage: true });
      await page.goto(`${env.base}/users`);
      await page.screenshot({ path: `${out}/users-${lang}-${size}.png`, fullPage: true });
      await page.click("text=拉萨市联络员");
      await page.screenshot({ path: `${out}/user-${lang}-${size}.png`, fullPage: true });
      await page.goto(`${env.base}/imports`);
      await page.setInputFiles("#file-units", {
        name: "units.csv",
        mimeType: "text/csv",
        buffer: Buffer.from("编码,名称,类型,上级编码\nT-1,试点市,地市,540000\nT-2,,城堡,T-1\n"),
      });
      await Promise.all([page.waitForURL(/imports\/\d+/), page.click("form:has(#file-units) button")]);
      await page.screenshot({ path: `${out}/import-preview-${lang}-${size}.png`, fullPage: true });
      await page.goto(`${env.base}/imports`);
      await page.setInputFiles("#file-plan", {
        name: "任务分解表.csv",
        mimeType: "text/csv",
        buffer: Buffer.from(
          "2023年重点任务分解表,,,,,\n序号,工程/行动,重点任务,具体措施,牵头单位,责任单位,完成时限\n" +
            "1,第二项工程,举办创建工作培训班,制定培训方案,自治区党委宣传部,各地（市）,2023年9月底前\n" +
            "2,第二项工程,编印案例集,征集评选,宣传部,拉萨市,下半年\n",
        ),
      });
      await Promise.all([page.waitForURL(/imports\/\d+/), page.click("#plan button")]);
      await page.screenshot({ path: `${out}/plan-import-${lang}-${size}.png`, fullPage: true });
      await page.goto(`${env.base}/imports`);
      await page.screenshot({ path: `${out}/imports-${lang}-${size}.png`, fullPage: true });
      await page.goto(`${env.base}/inspections`);
      await page.screenshot({ path: `${out}/inspections-${lang}-${size}.png`, fullPage: true });
      await page.click("table a[href^='/findings/']");
      await page.screenshot({ path: `${out}/finding-${lang}-${size}.png`, fullPage: true });
      await page.goto(`${env.base}/inspections`);
      await page.click("table a[href^='/inspection-rounds/']");
      await page.screenshot({ path: `${out}/inspection-round-${lang}-${size}.png`, fullPage: true });
      await page.click("table a[href*='/units/']");
      await page.screenshot({ path: `${out}/inspection-sheet-${lang}-${size}.png`, fullPage: true });
      await page.goto(`${env.base}/evaluations`);
      await page.screenshot({ path: `${out}/evaluations-${lang}-${size}.png`, fullPage: true });
      await page.goto(`${env.base}/evaluations/${evaluation.id}`);
      await page.screenshot({ path: `${out}/evaluation-${lang}-${size}.png`, fullPage: true });
      await page.goto(`${env.base}/evaluations/${evaluation.id}/self?unit_id=${prefectures[2].id}`);
      await page.screenshot({ path: `${out}/evaluation-self-${lang}-${size}.png`, fullPage: true });
      await page.goto(`${env.base}/evaluations/${evaluation.id}/inspect?unit_id=${prefectures[1].id}`);
      await page.screenshot({ path: `${out}/evaluation-inspect-${lang}-${size}.png`, fullPage: true });
      await page.goto(`${env.base}/evaluations/${evaluation.id}/items`);
      await page.screenshot({ path: `${out}/evaluation-items-${lang}-${size}.png`, fullPage: true });
      await page.goto(`${env.base}/evaluations/runs/${runId}`);
      await page.screenshot({ path: `${out}/evaluation-run-${lang}-${size}.png`, fullPage: true });
      await page.goto(`${env.base}/evaluations/runs/${runId}/explain?unit_id=${prefectures[0].id}`);
      await page.screenshot({ path: `${out}/evaluation-explain-${lang}-${size}.png`, fullPage: true });
      await page.goto(`${env.base}/evaluations/runs/${runId}`);
      await page.click("details summary");
      await page.fill("textarea[name=bands]", "优秀 95\n良好 80\n合格 60\n不合格 0");
      await Promise.all([page.waitForLoadState("load"), page.click("button:has-text('测算并比较'), details button[type=submit]")]);
      await page.screenshot({ path: `${out}/evaluation-what-if-${lang}-${size}.png`, fullPage: true });
      await page.goto(`${env.base}/evaluations/${evaluation.id}/edit`);
      await page.fill("input[name=n1_params]", "2, 2, 2, 1");
      await Promise.all([page.waitForLoadState("load"), page.click("form.scheme-form button.btn-primary")]);
      await page.screenshot({ path: `${out}/evaluation-form-error-${lang}-${size}.png`, fullPage: true });
      await page.goto(`${env.base}/inbox`);
      await page.screenshot({ path: `${out}/inbox-${lang}-${size}.png`, fullPage: true });
      await page.goto(`${env.base}/meetings`);
      await page.screenshot({ path: `${out}/meetings-${lang}-${size}.png`, fullPage: true });
      await page.click("table a");
      await page.screenshot({ path: `${out}/meeting-${lang}-${size}.png`, fullPage: true });
      await page.click("table.roll-call a >> nth=1");
      await page.screenshot({ path: `${out}/meeting-venue-${lang}-${size}.png`, fullPage: true });
      // The second meeting: the first one's open follow-ups are back on its agenda.
      await page.goto(`${env.base}/meetings`);
      await page.click("table a >> nth=1");
      await page.screenshot({ path: `${out}/meeting-next-${lang}-${size}.png`, fullPage: true });
      if (lang === "zh" && size === "desktop") {
        await page.goto(`${env.base}/api/docs/`);
        await page.waitForSelector(".opblock", { timeout: 10000 }).catch(() => {});
        await page.screenshot({ path: `${out}/api-docs.png` });
      }
      await context.close();
    }
  }
} finally {
  await env.stop();
}
console.log(`screenshots in ${out}`);
