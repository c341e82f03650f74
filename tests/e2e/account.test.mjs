// Two-step sign-in in the browser (issue 13, decision 0018), on a deployment that requires it:
// the admin's first sign-in on a phone sets up the authenticator app (the key shown beside the
// QR code, the app's code typed in), gets ten recovery codes once, and lands on its work; the
// next sign-in asks for a code and takes a recovery code in its place; a script's token needs
// a code too.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { start } from "./server.mjs";

let env;
before(async () => {
  env = await start({ PACESETTER_SECOND_FACTOR: "required" });
});
after(async () => {
  await env?.stop();
});

/** RFC 4648 base32 to bytes. */
function base32(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const bits = [...text.replace(/[\s=]/g, "").toUpperCase()]
    .map((c) => alphabet.indexOf(c).toString(2).padStart(5, "0"))
    .join("");
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** The code an authenticator app shows now (RFC 6238: SHA-1, 6 digits, 30 s). */
function totp(secret) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30_000)));
  const mac = createHmac("sha1", base32(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 15;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

async function password(page, username) {
  await page.goto(`${env.base}/login`);
  await page.fill("#username", username);
  await page.fill("#password", "pacesetter-demo");
  await Promise.all([page.waitForURL((url) => url.pathname !== "/login"), page.click("button[type=submit].btn-primary")]);
}

test("the admin sets up two-step sign-in on a phone, then signs in with a recovery code", async () => {
  const context = await env.browser.newContext({ viewport: { width: 390, height: 844 }, locale: "zh-CN" });
  const page = await context.newPage();
  await password(page, "admin");
  assert.equal(new URL(page.url()).pathname, "/login/enrol");
  assert.ok(await page.locator(".qr svg").isVisible(), "the QR code is drawn");
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the page fits the phone (${width} px)`);
  const secret = (await page.locator("code.secret").innerText()).replace(/\s/g, "");

  const confirm = "form[action='/login/enrol'] button[type=submit]";
  await page.fill("#code", "000000");
  await Promise.all([page.waitForLoadState("load"), page.click(confirm)]);
  assert.match(await page.locator("#code-error").innerText(), /验证码不对/);

  await page.fill("#code", totp(secret));
  await Promise.all([page.waitForLoadState("load"), page.click(confirm)]);
  const codes = await page.locator(".recovery-codes code").allInnerTexts();
  assert.equal(codes.length, 10);
  await Promise.all([page.waitForURL((url) => !url.pathname.startsWith("/login")), page.click(".recovery-codes ~ p a.btn-primary")]);

  // Signed in: the account page says it is on and may not be turned off here.
  await page.goto(`${env.base}/account/security`);
  assert.match(await page.locator("h2").first().innerText(), /已启用/);
  assert.equal(await page.locator("form[action='/account/security/disable']").count(), 0);
  await context.clearCookies();

  await password(page, "admin");
  assert.equal(new URL(page.url()).pathname, "/login/verify");
  await page.fill("#code", codes[0]);
  const verify = "form[action='/login/verify'] button[type=submit]";
  await Promise.all([page.waitForURL((url) => !url.pathname.startsWith("/login")), page.click(verify)]);
  await context.close();

  const noCode = await fetch(`${env.base}/api/v1/auth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password: "pacesetter-demo" }),
  });
  assert.equal(noCode.status, 401);
  assert.equal((await noCode.json()).error.code, "second_factor_required");
});
