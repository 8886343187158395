// The secretaries' console in Debian's headless Chromium, driven by
// Playwright, two secretaries at once. tests/console.rs runs the service
// and the scripted switch; this script and it take turns: the script prints
// "READY <what>" when it has done a part, and waits for "GO <what>" on its
// standard input before the next (the test places calls in between).
//
// Environment: BASE, ANA_LOGIN, BEN_LOGIN, PASSWORD, SHOTS, INSTRUCTIONS.
import { chromium } from "playwright-core";
import { strict as assert } from "node:assert";
import readline from "node:readline";

const env = process.env;
const lines = readline.createInterface({ input: process.stdin });
const waiting = [];
lines.on("line", (l) => { const w = waiting.shift(); if (w) w(l); });
const next = () => new Promise((resolve) => waiting.push(resolve));
async function go(what) {
  console.log(`READY ${what}`);
  const line = await next();
  assert.equal(line, `GO ${what}`);
}

const browser = await chromium.launch({
  executablePath: env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run", "--autoplay-policy=no-user-gesture-required"],
});

async function desk(login) {
  const context = await browser.newContext({ locale: "fr-FR", viewport: { width: 1280, height: 1000 } });
  const page = await context.newPage();
  page.setDefaultTimeout(30000);
  await page.goto(env.BASE + "/console");
  await page.getByLabel("Identifiant").fill(login);
  await page.getByLabel("Mot de passe").fill(env.PASSWORD);
  await page.getByRole("button", { name: "Se connecter" }).click();
  await page.waitForURL(/\/console/);
  await page.locator("#my-state").filter({ hasText: "Déconnectée" }).waitFor();
  return page;
}

const state = (page, s) => page.waitForFunction((s) => document.getElementById("console").dataset.state === s, s);

try {
  const ana = await desk(env.ANA_LOGIN);
  const ben = await desk(env.BEN_LOGIN);
  for (const page of [ana, ben]) {
    await page.locator("#btn-login").click();
    await state(page, "available");
    await page.locator("#btn-pause").click();
    await state(page, "paused");
  }
  await go("calls");
  // Three calls handed over: both consoles show them, urgent first.
  const started = Date.now();
  for (const page of [ana, ben]) {
    await page.waitForFunction(() => document.querySelectorAll("#queue tbody tr").length === 3);
  }
  console.log(`SEEN ${Date.now() - started}`);
  for (const page of [ana, ben]) {
    assert.equal(await page.locator("#queue tbody tr").first().getAttribute("data-urgent"), "1", "urgent first");
    assert.match(await page.locator("#queue tbody tr").first().innerText(), /URGENT/);
  }
  await ana.screenshot({ path: `${env.SHOTS}/console.png`, fullPage: true });

  // Ana takes calls again: the urgent one rings her phone; its card shows the
  // practice's instructions and the caller's appointments.
  await ana.locator("#btn-resume").click();
  await ana.locator("#card").waitFor({ state: "visible" });
  await ana.locator("#card-instructions").filter({ hasText: env.INSTRUCTIONS }).waitFor();
  assert.ok((await ana.locator("#card-appointments li[data-id]").count()) >= 1, "the caller's appointments");
  assert.match(await ana.locator("#card-title").innerText(), /URGENT/);
  // She books a slot for the caller from the card.
  await ana.locator("#card-name").fill("Patient Urgent");
  await ana.locator("#card-find").click();
  const first = ana.locator("#card-slots button.book").first();
  const start = await first.getAttribute("data-start");
  await first.click();
  await ana.locator("#card-note .notice").filter({ hasText: "réservé" }).waitFor();
  await ana.screenshot({ path: `${env.SHOTS}/console-card.png`, fullPage: true });
  console.log(`BOOKED ${start}`);
  // She closes the call with its outcome.
  await ana.locator("#card-outcome").selectOption("booked");
  await ana.locator("#card-close").click();
  await ana.locator("#card").waitFor({ state: "hidden" });
  await go("closed");

  // She pauses (after her call); Ben takes the next call.
  await state(ana, "wrap_up");
  await ana.locator("#pause-reason").fill("dossier");
  await ana.locator("#btn-pause").click();
  await state(ana, "paused");
  await ben.locator("#btn-resume").click();
  await ben.locator("#card").waitFor({ state: "visible" });
  await go("ben");

  // A call-back placed from the page.
  const cb = ana.locator("#callbacks li[data-id]:not(.is-done) button");
  await cb.first().click();
  await go("callback");
  console.log("DONE");
} catch (e) {
  console.error(e);
  process.exitCode = 1;
} finally {
  await browser.close();
}
