import { createOpenAI } from '@ai-sdk/openai';
import { describe, expect, it } from 'vitest';
import { newId } from '../../src/server/ids.js';
import { startFakeOpenAI } from '../helpers/fake-providers/openai.js';
import { hasChromium, newContext, type Server, screenshot, watchErrors } from './browser.js';
import { adminAndBob, axe, chromiumSuite, PASSWORD, shot } from './console-helpers.js';
import { composer, lastAssistant, poll, waitForStatus } from './helpers.js';

/**
 * The console's extras in Chromium: the models' history charts (TTFT and error rate) with their
 * table and CSV, an admin signing a user out everywhere, and an invite link that fills the code in
 * on the sign-up form. Screenshots (light, dark, 360 px) go to docs/screenshots/admin-models-history*.png.
 */

let fake: Awaited<ReturnType<typeof startFakeOpenAI>> | undefined;

/** Two days of hourly calls for two models, so the charts have lines to draw (fixed figures, no randomness). */
async function seedHistory(s: Server, userId: string): Promise<void> {
  const now = Date.now();
  const rows = [];
  for (let h = 47; h >= 1; h--) {
    const hour = Math.floor(now / 3_600_000) * 3_600_000 - h * 3_600_000;
    for (let i = 0; i < 4; i++) {
      const at = new Date(hour + i * 600_000).toISOString();
      const base = {
        user_id: userId,
        api_token_id: null,
        provider: 'test',
        source: 'chat',
        cost_micros: null,
      };
      const wave = Math.round(120 * Math.sin(h / 5) + 30 * i);
      rows.push({
        ...base,
        id: newId(),
        model: 'demo',
        input_tokens: 40,
        output_tokens: 20,
        day: at.slice(0, 10),
        created_at: at,
        ttft_ms: 260 + wave,
        failed: 0,
      });
      const failed = (h % 9 === 0 && i < 3) || (h % 4 === 0 && i === 0) ? 1 : 0;
      rows.push({
        ...base,
        id: newId(),
        model: 'fake/failing',
        input_tokens: 40,
        output_tokens: failed ? 0 : 20,
        day: at.slice(0, 10),
        created_at: at,
        ttft_ms: failed ? null : 700 + wave * 2,
        failed,
      });
    }
  }
  await s.t.store.db.insertInto('usage_events').values(rows).execute();
}

describe.skipIf(!hasChromium && !process.env.CI)(
  'admin console extras in Chromium',
  { timeout: 180_000 },
  () => {
    const env = chromiumSuite({
      options: async () => {
        fake = await startFakeOpenAI();
        fake.script({ status: 500, error: { message: 'upstream exploded', type: 'server_error' } });
        const failing = createOpenAI({ baseURL: fake.baseURL, apiKey: 'sk-test' }).chat('gpt-4o-mini');
        return {
          env: { AUTH_MODE: 'local', SIGNUP: 'open', DEMO_DELAY_MS: '0' },
          models: [{ id: 'fake/failing', model: failing }],
        };
      },
      close: async () => {
        await fake?.close();
      },
    });

    it('charts each model’s history, signs a user out everywhere, and fills an invite in from its link', async () => {
      const { browser, server } = env;
      if (!server) throw new Error('no server');
      const { adminContext, admin, bobContext, bob, errors } = await adminAndBob(browser, server.base);
      await composer(bob).waitFor();

      // A real run now (this hour), on top of two days of recorded calls.
      await composer(admin).fill('Hello there');
      await composer(admin).press('Enter');
      await waitForStatus(lastAssistant(admin), 'complete');
      const alice = await server.t.store.db
        .selectFrom('users')
        .select('id')
        .where('username', '=', 'alice')
        .executeTakeFirstOrThrow();
      await seedHistory(server, alice.id);

      // Models: the history's two charts, its table (this hour's real run is in it) and CSV.
      await admin.goto('/admin/models');
      const history = admin.getByRole('region', { name: 'Model history', exact: true });
      await history.locator('canvas').first().waitFor();
      expect(await history.locator('canvas').count()).toBe(2);
      expect(await history.locator('.chart-legend').first().textContent()).toContain('fake/failing');
      const first = await history.locator('table tbody tr').first().textContent();
      expect(first).toContain('demo');
      const csvHref = await history.getByRole('link', { name: /Download CSV/ }).getAttribute('href');
      expect(csvHref).toContain('bucket=hour');
      const csv = await admin.request.get(csvHref as string);
      expect(csv.headers()['content-type']).toContain('text/csv');
      expect((await csv.text()).split('\r\n')[0]).toBe('model,at,requests,errors,error_rate,ttft_ms_p50');
      expect(await axe(admin)).toEqual([]);
      await history.getByRole('heading', { name: 'Model history' }).evaluate((el) => {
        el.scrollIntoView();
        window.scrollBy(0, -72);
      });
      await shot(admin, 'admin-models-history');
      // Days: the range selector asks again.
      await history.getByLabel('Period').selectOption({ label: 'Last 30 days' });
      await poll(
        () => history.locator('table thead th').first().textContent(),
        (text) => text === 'Day',
        'the daily table',
      );

      await admin.emulateMedia({ colorScheme: 'dark' });
      await history.getByLabel('Period').selectOption({ label: 'Last 2 days (hourly)' });
      await history.locator('canvas').first().waitFor();
      await history.getByRole('heading', { name: 'Model history' }).evaluate((el) => {
        el.scrollIntoView();
        window.scrollBy(0, -72);
      });
      expect(await axe(admin)).toEqual([]);
      await shot(admin, 'admin-models-history-dark');
      await admin.emulateMedia({ colorScheme: 'light' });
      await admin.setViewportSize({ width: 360, height: 780 });
      await admin.goto('/admin/models');
      await history.locator('canvas').first().waitFor();
      await history.getByRole('heading', { name: 'Model history' }).evaluate((el) => {
        el.scrollIntoView();
        window.scrollBy(0, -72);
      });
      expect(await admin.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
      await shot(admin, 'admin-models-history-360');
      await admin.setViewportSize({ width: 1280, height: 800 });

      // Sessions: bob's, then "Sign out everywhere"; his open page loses its session.
      await admin.goto('/admin/users');
      const row = admin.locator('.admin-user', { hasText: 'bob' });
      await row.getByText('Sessions', { exact: true }).click();
      await row.getByRole('list', { name: 'Sessions of bob' }).getByRole('listitem').first().waitFor();
      expect(await row.getByRole('list', { name: 'Sessions of bob' }).textContent()).toMatch(/last seen/);
      expect(await axe(admin)).toEqual([]);
      await screenshot(admin, 'admin-user-sessions');
      await row.getByRole('button', { name: 'Sign out everywhere: bob' }).click();
      await admin.getByRole('dialog').getByRole('button', { name: 'Sign out everywhere' }).click();
      await row.getByRole('status').filter({ hasText: 'bob is signed out everywhere' }).waitFor();
      await row.getByText('Not signed in anywhere.').waitFor();
      await bob.reload();
      await bob.getByRole('button', { name: 'Sign in' }).waitFor();
      expect((await bob.request.get('/api/auth/me')).status()).toBe(401);

      // Invites: the link fills the code in on the sign-up form, then leaves the address bar.
      await admin.goto('/admin/invites');
      const invites = admin.getByRole('region', { name: 'Invites' });
      await invites.getByRole('button', { name: 'Create invite' }).click();
      const code = await invites.getByLabel('New invite code').inputValue();
      const link = await invites.getByLabel('New invite link').inputValue();
      expect(link).toBe(`${server.base}/signup?invite=${encodeURIComponent(code)}`);
      await invites.getByRole('button', { name: 'Copy link', exact: true }).click();
      await invites.getByRole('button', { name: 'Link copied', exact: true }).waitFor();
      await screenshot(admin, 'admin-invite-link');
      expect(await admin.evaluate(() => navigator.clipboard.readText())).toBe(link);
      const carolContext = await newContext(browser, server.base);
      const carol = await carolContext.newPage();
      errors.push(watchErrors(carol));
      await carol.goto(link);
      const field = carol.getByLabel(/Invite code/);
      await field.waitFor();
      expect(await field.inputValue()).toBe(code);
      await screenshot(carol, 'signup-invite-prefilled');
      await poll(
        async () => carol.url(),
        (url) => !url.includes('invite='),
        'the code to leave the address bar',
      );
      expect(new URL(carol.url()).pathname).toBe('/signup');
      await carol.getByLabel('Username').fill('carol');
      await carol.getByLabel('Password').fill(PASSWORD);
      await carol.getByRole('button', { name: 'Create account' }).click();
      await composer(carol).waitFor();
      await admin.reload();
      await invites.locator('.badge', { hasText: 'used' }).first().waitFor();

      expect(errors.flat()).toEqual([]);
      await adminContext.close();
      await bobContext.close();
      await carolContext.close();
    });
  },
);
