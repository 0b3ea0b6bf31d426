import { describe, expect, it } from 'vitest';
import { gatedTitleModel } from '../helpers/gated-title-model.js';
import { hasChromium, newContext, watchErrors } from './browser.js';
import { axe, chromiumSuite, shot } from './console-helpers.js';
import { composer, poll } from './helpers.js';

/**
 * Titles in Chromium: a first message shows its first words in the sidebar and the header at
 * once, then the title model's title replaces them (live, in both places); "Regenerate title" in
 * the row's menu writes a new one, and a model failure is said in the sidebar like other row
 * actions' errors. axe-core finds nothing. Screenshots: docs/screenshots/titles.png,
 * titles-dark.png, titles-360.png.
 */

describe.skipIf(!hasChromium && !process.env.CI)(
  'conversation titles in Chromium',
  { timeout: 180_000 },
  () => {
    const gate = gatedTitleModel();
    const env = chromiumSuite({
      options: {
        env: { DEMO_DELAY_MS: '0', TITLE_MODEL: 'titles' },
        models: [{ id: 'titles', model: gate.model, info: { name: 'Title writer' } }],
      },
    });

    it('shows the first words at once, then the model’s title; regenerates it from the row menu', async () => {
      const { browser, server } = env;
      if (!server) throw new Error('no server');
      const context = await newContext(browser, server.base, { bypassCSP: true });
      const page = await context.newPage();
      const errors = watchErrors(page);
      await page.goto('/');
      const sidebar = page.getByRole('navigation', { name: 'Conversations' });
      const header = page.locator('h1.conv-title');

      const first = 'How do I plan a two week trip to Kyoto and Osaka in spring?';
      await composer(page).fill(first);
      await composer(page).press('Enter');
      // The first words, at once, while the title model is still writing.
      await sidebar.getByRole('link', { name: first }).waitFor();
      await poll(
        () => header.textContent(),
        (text) => text === first,
        'the header to show the first words',
      );
      const call = await gate.call(1);
      const prompt = JSON.stringify(call.options.prompt);
      expect(prompt).toContain('Kyoto and Osaka');
      call.answer('"Kyoto and Osaka in Spring."');
      await sidebar.getByRole('link', { name: 'Kyoto and Osaka in Spring' }).waitFor();
      await poll(
        () => header.textContent(),
        (text) => text === 'Kyoto and Osaka in Spring',
        'the header to show the model’s title',
      );
      expect(await sidebar.getByRole('link', { name: first }).count()).toBe(0);

      // Regenerate from the row's menu.
      const menu = () => sidebar.getByRole('button', { name: 'Actions for “Kyoto and Osaka in Spring”' });
      await menu().click();
      await sidebar.getByRole('menuitem', { name: 'Regenerate title' }).waitFor();
      expect(await axe(page)).toEqual([]);
      await shot(page, 'titles');
      await page.emulateMedia({ colorScheme: 'dark' });
      await shot(page, 'titles-dark');
      await page.emulateMedia({ colorScheme: 'light' });
      await sidebar.getByRole('menuitem', { name: 'Regenerate title' }).click();
      const again = await gate.call(2);
      again.answer('Spring Trip to Japan');
      await sidebar.getByRole('link', { name: 'Spring Trip to Japan' }).waitFor();
      await poll(
        () => header.textContent(),
        (text) => text === 'Spring Trip to Japan',
        'the header to follow',
      );

      // A model that fails: the title stays and the sidebar says why.
      await sidebar.getByRole('button', { name: 'Actions for “Spring Trip to Japan”' }).click();
      await sidebar.getByRole('menuitem', { name: 'Regenerate title' }).click();
      (await gate.call(3)).fail(new Error('the title service is down'));
      const alert = sidebar.getByRole('alert');
      await alert.waitFor();
      expect(await alert.textContent()).toMatch(/titles could not write a title: the title service is down/);
      await sidebar.getByRole('link', { name: 'Spring Trip to Japan' }).waitFor();
      expect(await axe(page)).toEqual([]);
      await alert.getByRole('button', { name: 'Dismiss' }).click();

      // A phone: the drawer at 360 px with the row's menu open.
      await page.setViewportSize({ width: 360, height: 780 });
      await page.getByRole('button', { name: 'Open the conversation list' }).click();
      await sidebar.getByRole('button', { name: 'Actions for “Spring Trip to Japan”' }).click();
      await sidebar.getByRole('menuitem', { name: 'Regenerate title' }).waitFor();
      await poll(
        () => page.evaluate(() => document.documentElement.scrollWidth),
        (width) => width <= 360,
        'the page to fit 360 px',
      );
      expect(await axe(page)).toEqual([]);
      await shot(page, 'titles-360');
      expect(errors).toEqual([]);
      await context.close();
    });
  },
);
