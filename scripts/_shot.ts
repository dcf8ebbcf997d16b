import { startClassroom, launch } from '../tests/e2e/harness';
const [preset, stepsArg, w, h, out] = process.argv.slice(2);
const classroom = await startClassroom();
const browser = await launch();
try {
  const page = await (await browser.newContext({ viewport: { width: Number(w), height: Number(h) } })).newPage();
  await page.goto(`${classroom.url}/solo`);
  await page.getByRole('combobox').filter({ hasText: 'Choose a preset lesson' }).selectOption(preset!);
  await page.getByRole('button', { name: 'Load' }).click();
  const lesson = page.getByRole('region', { name: 'Lesson', exact: true });
  const next = lesson.getByRole('button', { name: 'Next step' });
  for (let i = 0; i < Number(stepsArg); i++) await next.click();
  await page.waitForTimeout(300);
  await page.screenshot({ path: out! });
} finally {
  await browser.close();
  await classroom.close();
}
