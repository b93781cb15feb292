// Opens the transcriptionist's editor for one dictation five times in headless Chromium and
// prints how long each took: the server's answer (time to first byte), the page parsed
// (DOMContentLoaded), loaded (the recording's player and scripts ready) and usable (every
// heard word laid out, and a click on the last one seeks the recording to it).
// Usage: node editor-timing.js BASE_URL USER PASSWORD EDITOR_PATH (see editor-timing.sh).
const { chromium } = require("playwright-core");
const assert = require("node:assert/strict");

async function main() {
  const [base, user, password, editor] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`${base}/login`);
    await page.fill("#username", user);
    await page.fill("#password", password);
    await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
    const rows = [];
    for (let run = 1; run <= 5; run++) {
      const started = Date.now();
      await page.goto(`${base}${editor}`, { waitUntil: "load" });
      const words = page.locator("#heard .word");
      const count = await words.count();
      assert.ok(count > 500, `the draft has ${count} heard words`);
      const last = words.nth(count - 1);
      const at = Number(await last.getAttribute("data-start")) / 1000;
      await last.click();
      const seeked = await page.evaluate(() => document.getElementById("dictation-audio").currentTime);
      assert.ok(Math.abs(seeked - at) < 0.6, `the last word seeks to ${seeked} s, said at ${at} s`);
      const usable = Date.now() - started;
      const nav = await page.evaluate(() => {
        const n = performance.getEntriesByType("navigation")[0];
        return { ttfb: n.responseStart, parsed: n.domContentLoadedEventEnd, loaded: n.loadEventEnd, bytes: n.transferSize };
      });
      rows.push({ run, words: count, lastWordAt: at, ...nav, usable });
      console.log(
        `run ${run}: ${count} words (last at ${at.toFixed(1)} s), first byte ${nav.ttfb.toFixed(0)} ms, ` +
          `parsed ${nav.parsed.toFixed(0)} ms, loaded ${nav.loaded.toFixed(0)} ms, ` +
          `usable (last word clicked and sought) ${usable} ms, ${(nav.bytes / 1024).toFixed(0)} kB`,
      );
    }
    const worst = Math.max(...rows.map((r) => r.usable));
    console.log(`editor opened a ${rows[0].lastWordAt.toFixed(0)} s dictation in at most ${worst} ms over 5 runs`);
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
