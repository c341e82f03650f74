// Takes screenshots of the main pages in Chinese and Tibetan, at desktop and phone widths,
// into $SHOTS (default ./screenshots), for a person to look at.
import { mkdirSync } from "node:fs";
import { start, signIn } from "./server.mjs";

const out = process.env.SHOTS ?? "screenshots";
mkdirSync(out, { recursive: true });
const env = await start();
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
      await page.screenshot({ path: `${out}/units-${lang}-${size}.png`, fullPage: true });
      await page.click("text=拉萨市");
      await page.screenshot({ path: `${out}/unit-${lang}-${size}.png`, fullPage: true });
      await page.goto(`${env.base}/units/new?parent=15`);
      await page.click("button.btn-primary");
      await page.screenshot({ path: `${out}/form-errors-${lang}-${size}.png`, fullPage: true });
      await page.goto(`${env.base}/users`);
      await page.screenshot({ path: `${out}/users-${lang}-${size}.png`, fullPage: true });
      await context.close();
    }
  }
} finally {
  await env.stop();
}
console.log(`screenshots in ${out}`);
