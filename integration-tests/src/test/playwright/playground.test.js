// Drives the gateway's playground (served at / on its HTTP port) in headless Chromium:
// checks that a bad field is refused with its name, then types a prompt, clicks Generate, follows
// the live progress, and checks that the picture rendered in the page and joined the gallery.
//
//   node playground.test.js --url http://127.0.0.1:PORT/ --screenshot out.png [--chromium /usr/bin/chromium]
//
// Prints one "playground: ..." line per check and "playground: OK" at the end; exits non-zero on
// the first failure.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

function args(argv) {
  const out = { chromium: '/usr/bin/chromium', timeout: 120000 };
  for (let i = 2; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, '');
    out[k] = argv[i + 1];
  }
  if (!out.url || !out.screenshot) {
    throw new Error('usage: node playground.test.js --url URL --screenshot FILE [--chromium PATH]');
  }
  out.timeout = Number(out.timeout);
  return out;
}

async function main() {
  const opts = args(process.argv);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'lumina-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: opts.chromium,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
    viewport: { width: 1100, height: 900 },
  });
  const consoleErrors = [];
  try {
    const page = context.pages()[0] || (await context.newPage());
    // The refused request's HTTP 400 is logged as a failed resource load; that one is expected.
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of 400/.test(m.text())) consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    page.on('response', (r) => {
      if (r.status() >= 400 && r.status() !== 400) consoleErrors.push('HTTP ' + r.status() + ' ' + r.url());
    });
    page.setDefaultTimeout(opts.timeout);

    await page.goto(opts.url);
    await page.waitForFunction(() => document.getElementById('model').options.length > 0);
    const model = await page.inputValue('#model');
    console.log('playground: models loaded, selected ' + model);

    // A refused request names its field and starts nothing.
    await page.fill('#prompt', 'a large yellow triangle in the center on a black background');
    await page.fill('#size', 'huge');
    await page.click('#generate');
    await page.waitForSelector('#error:not([hidden])');
    const refusal = await page.textContent('#error');
    if (!/size/.test(refusal)) throw new Error('refusal does not name the field: ' + refusal);
    console.log('playground: refused ' + refusal.trim());
    if ((await page.locator('#gallery figure').count()) !== 0) throw new Error('a refused request reached the gallery');

    // A real generation: prompt typed, default size, 3 grid points so progress moves.
    await page.fill('#size', '');
    await page.fill('#steps', '3');
    await page.fill('#seed', '7');
    await page.click('#generate');
    await page.waitForFunction(() => {
      const img = document.getElementById('result');
      return img.complete && img.naturalWidth > 0 && img.getAttribute('src');
    });
    const shown = await page.evaluate(() => {
      const img = document.getElementById('result');
      const c = document.createElement('canvas');
      c.width = img.naturalWidth;
      c.height = img.naturalHeight;
      const g = c.getContext('2d');
      g.drawImage(img, 0, 0);
      const px = g.getImageData(0, 0, c.width, c.height).data;
      const colours = new Set();
      for (let i = 0; i < px.length; i += 4) colours.add((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]);
      return {
        width: img.naturalWidth,
        height: img.naturalHeight,
        colours: colours.size,
        progress: document.getElementById('progress').value,
        progressMax: document.getElementById('progress').max,
        text: document.getElementById('progress-text').textContent,
        gallery: document.querySelectorAll('#gallery figure img').length,
        error: document.getElementById('error').hidden ? '' : document.getElementById('error').textContent,
        generateEnabled: !document.getElementById('generate').disabled,
      };
    });
    console.log('playground: rendered ' + JSON.stringify(shown));
    if (shown.error) throw new Error('error shown after a successful run: ' + shown.error);
    // steps counts grid points; the sampler takes steps - 1 solver steps (flag-dit-spec §8).
    if (shown.progressMax !== 2 || shown.progress !== 2) throw new Error('progress did not reach 2/2');
    if (!/seed 7/.test(shown.text)) throw new Error('completion text lacks the seed: ' + shown.text);
    if (shown.gallery !== 1) throw new Error('gallery holds ' + shown.gallery + ' pictures, not 1');
    if (shown.colours < 2) throw new Error('the picture is a single colour');
    if (!shown.generateEnabled) throw new Error('Generate stays disabled after the run');

    await page.screenshot({ path: opts.screenshot, fullPage: true });
    console.log('playground: screenshot ' + opts.screenshot);
    if (consoleErrors.length) throw new Error('browser console errors: ' + consoleErrors.join(' | '));
    console.log('playground: OK');
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error('playground: FAILED ' + (e && e.stack ? e.stack : e));
  process.exit(1);
});
