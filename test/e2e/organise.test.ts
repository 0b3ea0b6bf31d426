import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { hasChromium, newContext, watchErrors } from './browser.js';
import { axe, chromiumSuite, shot } from './console-helpers.js';
import { poll } from './helpers.js';

/**
 * Organising the sidebar in Chromium: a folder made and filled from a row's menu, a pin, archive
 * and the Archived view, a collapsed folder, multi-select with bulk archive, move and delete (after
 * a confirmation), rows grouped by date inside, one tab stop per row (→ reaches its menu). axe-core
 * finds nothing in each state. Screenshots: docs/screenshots/organise.png, organise-dark.png,
 * organise-360.png, organise-select.png.
 */

const DAY = 86_400_000;

interface Conv {
  id: string;
  folderId: string | null;
  pinned: boolean;
  archived: boolean;
}

describe.skipIf(!hasChromium && !process.env.CI)(
  'organising conversations in Chromium',
  { timeout: 180_000 },
  () => {
    const env = chromiumSuite({ options: { env: { DEMO_DELAY_MS: '0' } } });

    async function seed(page: Page, title: string, daysAgo: number): Promise<string> {
      const { server } = env;
      if (!server) throw new Error('no server');
      const res = await page.request.post('/api/conversations', { data: { title } });
      const { id } = (await res.json()) as { id: string };
      const at = new Date(Date.now() - daysAgo * DAY).toISOString();
      await server.t.store.db
        .updateTable('conversations')
        .set({ updated_at: at })
        .where('id', '=', id)
        .execute();
      return id;
    }

    const get = async (page: Page, id: string) =>
      (await (await page.request.get(`/api/conversations/${id}`)).json()) as Conv;

    it('pins, archives, files into folders and acts on a selection', async () => {
      const { browser, server } = env;
      if (!server) throw new Error('no server');
      const context = await newContext(browser, server.base, { bypassCSP: true, height: 900 });
      const page = await context.newPage();
      const errors = watchErrors(page);
      await page.goto('/');
      const ids = {
        report: await seed(page, 'Weekly report', 0),
        kyoto: await seed(page, 'Trip to Kyoto', 0),
        garden: await seed(page, 'Garden plans', 1),
        tax: await seed(page, 'Tax return 2025', 10),
        recipe: await seed(page, 'Old recipe', 60),
        books: await seed(page, 'Book notes', 3),
      };
      await page.reload();
      const sidebar = page.getByRole('navigation', { name: 'Conversations' });
      await sidebar.getByRole('link', { name: 'Old recipe' }).waitFor();
      /** The sidebar's Organise menu: select, new folder, archived. */
      const tool = async (item: string) => {
        await sidebar.getByRole('button', { name: 'Organise' }).click();
        await sidebar.getByRole('menuitem', { name: item }).click();
      };
      const menuOf = async (title: string, item: string) => {
        await sidebar.getByRole('button', { name: `Actions for “${title}”` }).click();
        await sidebar.getByRole('menuitem', { name: item }).click();
      };

      // A folder, and a conversation moved into it from its menu.
      await tool('New folder');
      await sidebar.getByRole('textbox', { name: 'New folder name' }).fill('Work');
      await sidebar.getByRole('textbox', { name: 'New folder name' }).press('Enter');
      const work = sidebar.getByRole('region', { name: 'Folder Work' });
      await work.getByRole('button', { name: /^Work \d+ conversations$/ }).waitFor();
      await menuOf('Weekly report', 'Move to “Work”');
      await work.getByRole('link', { name: 'Weekly report' }).waitFor();
      await poll(
        async () => (await get(page, ids.report)).folderId,
        (v) => v !== null,
        'the move',
      );

      // Pin: listed first, under "Pinned".
      await menuOf('Old recipe', 'Pin');
      await sidebar
        .getByRole('region', { name: 'Pinned' })
        .getByRole('link', { name: /Old recipe/ })
        .waitFor();
      expect((await get(page, ids.recipe)).pinned).toBe(true);

      // One tab stop per row: → from the link reaches its menu, Esc returns to the button.
      const garden = sidebar.getByRole('link', { name: 'Garden plans' });
      await garden.focus();
      await page.keyboard.press('ArrowRight');
      const gardenMenu = sidebar.getByRole('button', { name: 'Actions for “Garden plans”' });
      expect(await gardenMenu.evaluate((el) => el === document.activeElement)).toBe(true);
      await page.keyboard.press('Enter');
      await sidebar.getByRole('menuitem', { name: 'Rename' }).waitFor();
      expect(await axe(page)).toEqual([]);
      await page.keyboard.press('Escape');
      expect(await sidebar.getByRole('menu').count()).toBe(0);
      await garden.focus();
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.textContent)).not.toContain('Garden');
      expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('A');

      // Archive: gone from the list, in the Archived view, and back.
      await menuOf('Book notes', 'Archive');
      await poll(
        () => sidebar.getByRole('link', { name: 'Book notes' }).count(),
        (n) => n === 0,
        'archive',
      );
      await tool('Show archived');
      const archived = sidebar.getByRole('region', { name: 'Archived conversations' });
      await archived.getByRole('link', { name: 'Book notes' }).waitFor();
      expect(await axe(page)).toEqual([]);
      await menuOf('Book notes', 'Unarchive');
      await archived.getByText('Nothing archived.').waitFor();
      await sidebar.getByRole('button', { name: 'Back to chats' }).click();
      expect(await sidebar.getByRole('region', { name: 'Archived conversations' }).count()).toBe(0);
      await sidebar.getByRole('link', { name: 'Book notes' }).waitFor();
      expect((await get(page, ids.books)).archived).toBe(false);

      // Grouped by date at the top level and inside the folder.
      await menuOf('Tax return 2025', 'Move to “Work”');
      await work.getByRole('link', { name: 'Tax return 2025' }).waitFor();
      await work.getByRole('heading', { name: 'Previous 30 days' }).waitFor();
      await work.getByRole('heading', { name: 'Today' }).waitFor();
      await sidebar.getByRole('heading', { name: 'Yesterday' }).waitFor();
      expect(await axe(page)).toEqual([]);
      await shot(page, 'organise');
      await page.emulateMedia({ colorScheme: 'dark' });
      await shot(page, 'organise-dark');
      await page.emulateMedia({ colorScheme: 'light' });

      // Collapse the folder: its rows hide, the state is kept.
      await work.getByRole('button', { name: /^Work \d+ conversations$/ }).click();
      expect(
        await work.getByRole('button', { name: /^Work \d+ conversations$/ }).getAttribute('aria-expanded'),
      ).toBe('false');
      expect(await work.getByRole('link', { name: 'Weekly report' }).isVisible()).toBe(false);
      await work.getByRole('button', { name: /^Work \d+ conversations$/ }).click();

      // Select mode: bulk archive two, bulk move one, bulk delete one after a confirmation.
      await tool('Select conversations');
      await sidebar.getByRole('checkbox', { name: 'Trip to Kyoto' }).check();
      await sidebar.getByRole('checkbox', { name: 'Garden plans' }).check();
      await sidebar.getByText('2 selected').waitFor();
      expect(await axe(page)).toEqual([]);
      await shot(page, 'organise-select');
      await sidebar.getByRole('toolbar').getByRole('button', { name: 'Archive' }).click();
      await poll(
        async () => (await get(page, ids.garden)).archived && (await get(page, ids.kyoto)).archived,
        (v) => v,
        'bulk archive',
      );
      await poll(
        () => sidebar.getByRole('link', { name: 'Garden plans' }).count(),
        (n) => n === 0,
        'archived rows leave',
      );

      await tool('Select conversations');
      await sidebar.getByRole('checkbox', { name: 'Book notes' }).check();
      await sidebar.getByRole('combobox', { name: /Move the selected/ }).selectOption({ label: 'Work' });
      await work.getByRole('link', { name: 'Book notes' }).waitFor();

      await tool('Select conversations');
      await sidebar.getByRole('checkbox', { name: /Old recipe/ }).check();
      await sidebar.getByRole('toolbar').getByRole('button', { name: 'Delete' }).click();
      const dialog = page.getByRole('dialog', { name: 'Delete 1 conversations?' });
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      expect((await page.request.get(`/api/conversations/${ids.recipe}`)).status()).toBe(200);
      await sidebar.getByRole('toolbar').getByRole('button', { name: 'Delete' }).click();
      await dialog.getByRole('button', { name: 'Delete' }).click();
      await poll(
        async () => (await page.request.get(`/api/conversations/${ids.recipe}`)).status(),
        (s) => s === 404,
        'bulk delete',
      );
      await poll(
        () => sidebar.getByRole('link', { name: /Old recipe/ }).count(),
        (n) => n === 0,
        'deleted row leaves',
      );

      // A phone: the drawer fits 360 px, with the row menu open.
      await page.setViewportSize({ width: 360, height: 780 });
      await page.getByRole('button', { name: 'Open the conversation list' }).click();
      await sidebar.getByRole('button', { name: 'Actions for “Book notes”' }).click();
      await sidebar.getByRole('menuitem', { name: 'Remove from folder' }).waitFor();
      await poll(
        () => page.evaluate(() => document.documentElement.scrollWidth),
        (width) => width <= 360,
        'the page to fit 360 px',
      );
      expect(await axe(page)).toEqual([]);
      await shot(page, 'organise-360');
      expect(errors).toEqual([]);
      await context.close();
    });

    it('shows all of a folder, also conversations older than the list has loaded', async () => {
      const { browser, server } = env;
      if (!server) throw new Error('no server');
      const context = await newContext(browser, server.base, { bypassCSP: true, height: 900 });
      const page = await context.newPage();
      const errors = watchErrors(page);
      await page.goto('/');
      const folder = (await (
        await page.request.post('/api/folders', { data: { name: 'Attic' } })
      ).json()) as {
        id: string;
      };
      // Far older than the first page of 50 the sidebar loads: once, it never showed in its folder.
      const ancient = await seed(page, 'Ancient notes', 400);
      await page.request.patch(`/api/conversations/${ancient}`, { data: { folderId: folder.id } });
      for (let i = 0; i < 55; i++) await seed(page, `Recent chat ${i}`, 0);
      await page.reload();
      const sidebar = page.getByRole('navigation', { name: 'Conversations' });
      const attic = sidebar.getByRole('region', { name: 'Folder Attic' });
      await attic.getByRole('link', { name: 'Ancient notes' }).waitFor();
      await attic.getByRole('button', { name: 'Attic 1 conversations' }).waitFor();
      // The main list itself has not reached it: its last loaded row is a recent one.
      expect(await sidebar.getByRole('link', { name: /^Recent chat/ }).count()).toBeLessThan(55);
      expect(await axe(page)).toEqual([]);
      expect(errors).toEqual([]);
      await context.close();
    });
  },
);
