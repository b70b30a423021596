// The order page end to end: load it, place an order, see it accepted; a risky order is refused.
//
// No Chromium on this machine -> every test is skipped with a reason starting "no-chromium:".
// That is golive's documented e2e skip (tests.e2e reads it from the junit report, where
// Playwright writes the reason as the testcase property `skip`).
const fs = require("fs");
const os = require("os");
const { execFileSync } = require("child_process");
const { test, expect } = require("@playwright/test");

const chromium = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
test.skip(!fs.existsSync(chromium), `no-chromium: ${chromium} not found on ${os.hostname()}`);

function commit() {
  if (process.env.LUNIA_COMMIT) return process.env.LUNIA_COMMIT;
  try {
    return execFileSync("git", ["-C", __dirname, "rev-parse", "HEAD"], { encoding: "utf8" }).trim();
  } catch {
    return "";
  }
}
const testedCommit = commit();

test.beforeEach(() => {
  // Becomes <property name="commit"> on each testcase of the junit report.
  if (testedCommit) test.info().annotations.push({ type: "commit", description: testedCommit });
});

test("order page shows the version and accepts an order", async ({ page }) => {
  await page.goto("/");
  await expect(page.locator("#version")).not.toHaveText("…");
  await page.fill("input[name=quantity]", "0.02");
  await page.click("button[type=submit]");
  await expect(page.locator("#result")).toHaveText(/Order \d+ accepted/);
});

test("order page shows a risk rejection", async ({ page }) => {
  await page.goto("/");
  await page.fill("input[name=quantity]", "1000");
  await page.click("button[type=submit]");
  await expect(page.locator("#result")).toHaveText(/Rejected: order notional/);
  await expect(page.locator("#result")).toHaveClass("rejected");
});
