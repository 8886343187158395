// The doctor's web space in Debian's headless Chromium, driven by
// Playwright; tests/browser.rs starts the service and the scripted switch,
// runs one step of this script at a time (STEP), and checks on the phone
// what each step changed. A failed check exits 1 with its reason.
//
// Environment: BASE (http://127.0.0.1:port), LOGIN, PASSWORD, SHOTS (the
// screenshots' folder), STEP, and the step's own values.
import { chromium } from "playwright-core";
import { strict as assert } from "node:assert";

const env = process.env;
const base = env.BASE;

async function withPage(fn) {
  const browser = await chromium.launch({
    executablePath: env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"],
  });
  try {
    const context = await browser.newContext({ locale: "fr-FR", viewport: { width: 1280, height: 900 }, permissions: ["microphone"] });
    const page = await context.newPage();
    page.setDefaultTimeout(30000);
    await fn(page);
  } finally {
    await browser.close();
  }
}

async function logIn(page) {
  await page.goto(base + "/agenda");
  // Not logged in: the log-in page, then back to the page asked for.
  await page.getByLabel("Identifiant").fill(env.LOGIN);
  await page.getByLabel("Mot de passe").fill(env.PASSWORD);
  await page.getByRole("button", { name: "Se connecter" }).click();
  try {
    await page.waitForURL(/\/agenda/);
  } catch (e) {
    throw new Error(`log-in ended on ${page.url()}: ${(await page.locator("main").innerText()).slice(0, 300)}`);
  }
}

async function shot(page, name) {
  await page.screenshot({ path: `${env.SHOTS}/${name}.png`, fullPage: true });
}

function status(page) {
  return page.locator("p.notice[role=status]");
}

const steps = {
  // Log in, see the demo week, book a slot, see it refused when taken, move it, cancel it, change the opening hours.
  async agenda(page) {
    await logIn(page);
    await assert.ok(await page.locator(".appt").count() >= 0);
    await page.goto(`${base}/agenda?p=1&doctor=1&week=${env.DEMO_WEEK}`);
    const demo = await page.locator(".appt").count();
    assert.ok(demo > 0, "the demo week shows its appointments");
    await shot(page, "agenda");
    await page.goto(`${base}/agenda?p=1&doctor=1&week=${env.SLOT_DATE}`);
    const book = async () => {
      await page.locator("#book-type").selectOption(env.TYPE);
      await page.locator("#book-date").fill(env.SLOT_DATE);
      await page.locator("#book-time").fill(env.SLOT_TIME);
      await page.locator("#book-name").fill("Jeanne Web");
      await page.locator("#book-phone").fill("06 12 34 56 78");
      await page.getByRole("button", { name: "Réserver" }).click();
    };
    await book();
    await assert.match(await status(page).innerText(), /réservé/);
    const mine = page.locator(".appt", { hasText: "Jeanne Web" });
    assert.equal(await mine.count(), 1, "the booking is in the week");
    await book();
    await page.locator("#refusal").waitFor();
    assert.match(await page.locator("#refusal").innerText(), /déjà pris/);
    // Move it.
    const id = await page.locator(".appt", { hasText: "Jeanne Web" }).first().getAttribute("data-id");
    const card = page.locator(`.appt[data-id="${id}"]`);
    await card.locator("summary").click();
    await card.locator('input[name="date"]').fill(env.MOVE_DATE);
    await card.locator('input[name="time"]').fill(env.MOVE_TIME);
    await card.getByRole("button", { name: "Déplacer" }).click();
    await assert.match(await status(page).innerText(), /déplacé/);
    const moved = page.locator(`.appt[data-id="${id}"]`);
    assert.match(await moved.innerText(), new RegExp(env.MOVE_TIME));
    // Cancel it.
    await moved.locator("summary").click();
    await moved.getByRole("button", { name: "Annuler le rendez-vous" }).click();
    await assert.match(await status(page).innerText(), /annulé/);
    assert.equal(await page.locator(`.appt.is-cancelled[data-id="${id}"]`).count(), 1);
    // The opening hours.
    await page.getByRole("link", { name: "Réglages" }).click();
    await page.locator("#opening").fill(env.NEW_HOURS);
    await page.locator("#hours").getByRole("button", { name: "Enregistrer" }).click();
    await assert.match(await status(page).innerText(), /appel suivant/);
    assert.equal(await page.locator("#opening").inputValue(), env.NEW_HOURS);
    await shot(page, "settings");
    await page.getByRole("link", { name: "Aujourd'hui" }).click();
    await shot(page, "today");
  },

  // Open the message, play it (the audio element loads a WAV), mark it handled.
  async messages(page) {
    await logIn(page);
    await page.goto(`${base}/messages?p=1`);
    const card = page.locator("li.message").first();
    const audio = card.locator("audio");
    const src = await audio.getAttribute("src");
    const answer = page.waitForResponse((r) => r.url().endsWith(src));
    await audio.evaluate((a) => { a.preload = "auto"; a.load(); });
    const resp = await answer;
    assert.equal(resp.status(), 200);
    assert.equal(resp.headers()["content-type"], "audio/wav");
    await page.waitForFunction(() => document.querySelector("li.message audio").readyState >= 1);
    const duration = await audio.evaluate((a) => a.duration);
    assert.ok(duration > 0, `the browser decoded the recording (${duration} s)`);
    const body = await (await page.request.get(base + src)).body();
    assert.equal(body.subarray(0, 4).toString(), "RIFF");
    assert.equal(body.subarray(8, 12).toString(), "WAVE");
    assert.ok(await card.locator("a[href^='tel:']").count() === 1, "a call-back link");
    await shot(page, "messages");
    await card.getByRole("button", { name: "Marquer comme traité" }).click();
    await assert.match(await page.locator("li.message").first().innerText(), /Traité par/);
    // The figures: both charts laid out by the browser, the calls placed
    // so far (the hours, the message) drawn as bars.
    await page.getByRole("link", { name: "Chiffres" }).click();
    const charts = page.locator("svg.chart");
    assert.equal(await charts.count(), 2);
    const box = await charts.first().boundingBox();
    assert.ok(box && box.height > 50 && box.width > 200, `the chart is drawn (${JSON.stringify(box)})`);
    const calls = Number((await page.locator("#totals li strong").first().innerText()).trim());
    assert.ok(calls > 0, "the calls of this test are counted");
    assert.ok(await page.locator("svg.chart").first().locator("g rect").count() > 0, "and drawn");
    assert.match(await page.locator("#saved").innerText(), /€$/);
    await shot(page, "figures");
  },

  // Send the practice's own recording of a sentence.
  async voice(page) {
    await logIn(page);
    await page.goto(`${base}/voice?p=1`);
    const sentence = page.locator(`li.sentence[data-key="${env.KEY}"]`);
    assert.match(await sentence.locator(".badge").innerText(), /synthèse/);
    const heard = await page.request.get(`${base}/voice/${env.KEY}/audio?p=1`);
    assert.equal(heard.status(), 200, "the synthetic voice can be heard");
    await sentence.locator('input[type="file"]').setInputFiles(env.RECORDING);
    await sentence.getByRole("button", { name: "Enregistrer", exact: true }).click();
    await assert.match(await status(page).innerText(), /l'appel suivant/);
    assert.match(await page.locator(`li.sentence[data-key="${env.KEY}"] .badge`).innerText(), /votre enregistrement/);
    // Another one recorded with the microphone (Chromium's fake device), turned into WAV in the page.
    const spoken = page.locator(`li.sentence[data-key="${env.KEY2}"]`);
    const record = spoken.locator("button.record");
    await record.waitFor({ state: "visible" });
    await record.click();
    await spoken.locator("button.record", { hasText: "Arrêter" }).waitFor();
    await page.waitForTimeout(1500);
    await record.click();
    await page.locator(`li.sentence[data-key="${env.KEY2}"] .badge`, { hasText: "votre enregistrement" }).waitFor();
    await shot(page, "voice");
  },
};

const step = steps[env.STEP];
if (!step) {
  console.error(`no step ${env.STEP}`);
  process.exit(2);
}
try {
  await withPage(step);
} catch (e) {
  console.error(e);
  process.exit(1);
}
