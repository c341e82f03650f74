import { chromium } from "playwright-core";
const base = "http://127.0.0.1:18080";
const [user, path, out, width, locale] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
const context = await browser.newContext({ locale: "zh-CN", viewport: { width: Number(width), height: 900 } });
const page = await context.newPage();
await page.goto(`${base}/login`);
await page.fill("#username", user);
await page.fill("#password", "pacesetter-demo");
await Promise.all([page.waitForURL((u) => !u.pathname.startsWith("/login")), page.click("button[type=submit]")]);
if (locale) { await context.addCookies([{ name: "lang", value: locale, url: base }]); }
await page.goto(`${base}${path}`);
await page.screenshot({ path: out, fullPage: true });
await browser.close();
