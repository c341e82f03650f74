import { chromium } from "playwright-core";
const base = "http://127.0.0.1:18080";
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
for (const user of ["office", "admin", "lhasa", "inspector", "judge1"]) for (const lang of ["zh-Hans", "bo", "en"]) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addCookies([{ name: "lang", value: lang, url: base }]);
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  await page.fill("#username", user);
  await page.fill("#password", "pacesetter-demo");
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith("/login")), page.click("button[type=submit]")]).catch(() => {});
  const h = await page.evaluate(() => [".topbar", ".brand", ".mainnav", ".topbar-end"].map((s) => { const r = document.querySelector(s)?.getBoundingClientRect(); return r ? `${s} ${Math.round(r.width)}x${Math.round(r.height)}` : s; }).join(" ") + " nav-items " + [...document.querySelectorAll(".mainnav a")].map((a) => Math.round(a.getBoundingClientRect().width)).join(","));
  console.log(user, lang, h);
  await context.close();
}
await browser.close();
