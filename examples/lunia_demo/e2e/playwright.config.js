// Runs in the system's Chromium (apt `chromium`): Playwright never downloads a browser here.
// Set PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 when installing; CHROMIUM_PATH overrides the binary.
// The demo service is started by Playwright's webServer on LUNIA_E2E_PORT (default 8791)
// with LUNIA_PYTHON (default python3), unless LUNIA_URL points at a running one.
const { defineConfig } = require("@playwright/test");

const port = Number(process.env.LUNIA_E2E_PORT || 8791);
const baseURL = process.env.LUNIA_URL || `http://127.0.0.1:${port}`;

module.exports = defineConfig({
  testDir: "tests",
  timeout: 30_000,
  retries: 0,
  workers: 1,
  reporter: [["line"], ["junit", { outputFile: process.env.PLAYWRIGHT_JUNIT_OUTPUT_FILE || "reports/junit.xml" }]],
  use: {
    baseURL,
    browserName: "chromium",
    headless: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
  webServer: process.env.LUNIA_URL
    ? undefined
    : {
        command: `${process.env.LUNIA_PYTHON || "python3"} -m lunia_demo --port ${port}`,
        cwd: "..",
        url: `${baseURL}/healthz`,
        reuseExistingServer: false,
        timeout: 20_000,
      },
});
