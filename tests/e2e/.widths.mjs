import { chromium } from "playwright-core";
const base = "http://127.0.0.1:18080";
const [user, ...paths] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
for (const locale of ["zh-Hans", "bo"]) {
  const context = await browser.newContext({ locale: "zh-CN", viewport: { width: 390, height: 844 } });
  await context.addCookies([{ name: "lang", value: locale, url: base }]);
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  await page.fill("#username", user);
  await page.fill("#password", "pacesetter-demo");
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith("/login")), page.click("button[type=submit]")]);
  for (const path of paths) {
    const r = await page.goto(`${base}${path}`);
    const w = await page.evaluate(() => document.documentElement.scrollWidth);
    console.log(locale, r.status(), w > 390 ? "WIDE" : "ok", w, path);
  }
  await context.close();
}
await browser.close();
