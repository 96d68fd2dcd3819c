// The demo: the built extension in Chromium reads the bundled certificate fixtures the way
// a receptionist would (pick the file, type the password, press 読み取る), prints what the
// popup shows and saves screenshots in demo-output/. With a display ($DISPLAY) the browser
// stays open for you to try your own files; without one it runs headless and exits.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { expectedFixtures, fixtures, launchWithExtension, root } from './e2e/browser.mjs';

const out = path.join(root, 'demo-output');
const headless = !process.env.DISPLAY;
const browser = await launchWithExtension({ headless });
const expected = await expectedFixtures();
await mkdir(out, { recursive: true });

const page = await browser.context.newPage();
await page.setViewportSize({ width: 420, height: 900 });
await page.goto(browser.url('popup/popup.html'));

const samples = [
  ['openssl-legacy.p12', 'ORCA クラウドが発行する形式 (RC2-40 / 3DES / SHA-1 MAC)'],
  ['nss-pk12util.p12', 'Firefox / NSS から書き出した形式 (BER)'],
  ['not-renewable.crt', '自動更新の対象外の証明書 (.crt)'],
  ['openssl3-default.p12', 'パスワード間違い', 'wrong-password'],
];
for (const [file, title, wrongPassword] of samples) {
  await page.setInputFiles('#file', path.join(fixtures, file));
  await page.fill('#password', wrongPassword ?? expected[file].password);
  await page.click('#read');
  await page.locator('#result:not([hidden]), #message:not([hidden])').first().waitFor();
  const shot = path.join(out, `${path.parse(file).name}${wrongPassword ? '-wrong-password' : ''}.png`);
  await page.screenshot({ path: shot, fullPage: true });
  console.log(`\n■ ${title}: ${file}`);
  if (await page.locator('#message').isVisible()) {
    console.log(`  ${await page.locator('#message').textContent()}`);
  } else {
    const rows = await page.locator('#fields').evaluate((dl) => [...dl.querySelectorAll('dt')]
      .map((dt) => `${dt.textContent}: ${dt.nextElementSibling.textContent}`));
    for (const row of rows) console.log(`  ${row}`);
  }
  console.log(`  (screenshot: ${path.relative(root, shot)})`);
}

if (headless) {
  await browser.close();
  console.log('\nDemo finished. Load dist/ at chrome://extensions (developer mode) to use it yourself.');
} else {
  console.log('\nThe browser stays open: try your own files in the popup tab. Close it to finish.');
  await new Promise((resolve) => browser.context.on('close', resolve));
  await browser.close();
}
