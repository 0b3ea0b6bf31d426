import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { Client } from '../helpers/clients.js';
import { hasChromium, newContext, watchErrors } from './browser.js';
import { axe, chromiumSuite, PASSWORD, shot } from './console-helpers.js';
import { composer, poll } from './helpers.js';

/**
 * Issue 18, items 8 and 10, in Chromium against the real server: the first visit of an empty install
 * offers "Create the admin account"; with SIGNUP=closed the sign-in page offers no "Create one"; a
 * disabled user who knows their password is told so; a tab signed out elsewhere says why and keeps
 * its draft; many reloads always show the app (never raw JSON). axe-core finds nothing on those
 * pages. Screenshots: docs/screenshots/sign-in-*.png (light, dark, 360 px).
 */

const DRAFT = 'A half-written thought about the quarterly numbers';

async function signIn(page: Page, username: string, password = PASSWORD): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** Light, dark and 360 px shots of what the page shows now, axe-clean in each. */
async function shots(page: Page, name: string): Promise<void> {
  expect(await axe(page)).toEqual([]);
  await shot(page, name);
  await page.emulateMedia({ colorScheme: 'dark' });
  expect(await axe(page)).toEqual([]);
  await shot(page, `${name}-dark`);
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 360, height: 760 });
  await poll(
    () => page.evaluate(() => document.documentElement.scrollWidth),
    (width) => width <= 360,
    `${name} to fit 360 px`,
  );
  expect(await axe(page)).toEqual([]);
  await shot(page, `${name}-360`);
  await page.setViewportSize({ width: 1280, height: 800 });
}

describe.skipIf(!hasChromium && !process.env.CI)('sign-in states in Chromium', { timeout: 240_000 }, () => {
  const env = chromiumSuite({
    options: { env: { AUTH_MODE: 'local', SIGNUP: 'closed', DEMO_DELAY_MS: '0' } },
  });

  it('offers "Create the admin account" on an empty install, then no sign-up when SIGNUP is closed', async () => {
    const { browser, server } = env;
    if (!server) throw new Error('no server');
    // bypassCSP: axe-core is injected into the page as a script.
    const context = await newContext(browser, server.base, { bypassCSP: true });
    const page = await context.newPage();
    const errors = watchErrors(page);

    await page.goto('/');
    await page.getByRole('heading', { name: 'Create the admin account' }).waitFor();
    await page.getByText('This Parley has no accounts yet').waitFor();
    expect(await page.getByRole('link', { name: 'Sign in' }).count()).toBe(0);
    await shots(page, 'sign-in-first-admin');
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('link', { name: 'Admin console' }).waitFor();

    // Another browser: sign-in only, and no way to sign up.
    const visitor = await (await newContext(browser, server.base, { bypassCSP: true })).newPage();
    errors.push(...watchErrors(visitor));
    await visitor.goto('/');
    await visitor.getByRole('heading', { name: 'Sign in to Parley' }).waitFor();
    await visitor.getByText('No account yet? Ask an admin of this Parley for one.').waitFor();
    expect(await visitor.getByRole('link', { name: 'Create one' }).count()).toBe(0);
    await shots(visitor, 'sign-in-closed');
    await visitor.goto('/signup');
    await visitor.getByRole('heading', { name: 'Sign-up is closed' }).waitFor();
    expect(await visitor.getByLabel('Password').count()).toBe(0);
    expect(await axe(visitor)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe.skipIf(!hasChromium && !process.env.CI)(
  'sessions explained in Chromium',
  { timeout: 240_000 },
  () => {
    const env = chromiumSuite({
      options: { env: { AUTH_MODE: 'local', SIGNUP: 'open', DEMO_DELAY_MS: '0' } },
      ready: async (server) => {
        await new Client(server.t.app).signup('boss');
        await new Client(server.t.app).signup('bob');
      },
    });

    it('tells a disabled user so, and only with the right password', async () => {
      const { browser, server } = env;
      if (!server) throw new Error('no server');
      const admin = new Client(server.t.app);
      await admin.login('boss');
      const bob = new Client(server.t.app);
      await bob.login('bob');
      await admin.request('PATCH', `/api/admin/users/${bob.userId}`, { disabled: true });

      const page = await (await newContext(browser, server.base, { bypassCSP: true })).newPage();
      const errors = watchErrors(page);
      await page.goto('/login');
      await signIn(page, 'bob', 'not the password');
      await page.getByRole('alert').filter({ hasText: 'Wrong username or password.' }).waitFor();
      await signIn(page, 'bob');
      await page.getByRole('alert').filter({ hasText: 'This account is disabled; ask an admin.' }).waitFor();
      await shots(page, 'sign-in-disabled');
      expect(errors).toEqual([]);
      await admin.request('PATCH', `/api/admin/users/${bob.userId}`, { disabled: false });
    });

    it('a tab signed out elsewhere says why, and keeps its draft through signing in again', async () => {
      const { browser, server } = env;
      if (!server) throw new Error('no server');
      const context = await newContext(browser, server.base, { bypassCSP: true });
      const page = await context.newPage();
      const errors = watchErrors(page);
      await page.goto('/login');
      await signIn(page, 'bob');
      await composer(page).fill(DRAFT);

      // "Sign out everywhere" from another device: the tab's live stream ends and the tab notices.
      const elsewhere = new Client(server.t.app);
      await elsewhere.login('bob');
      expect((await elsewhere.request('DELETE', '/api/auth/sessions')).statusCode).toBe(204);
      await page.getByRole('status').filter({ hasText: 'You were signed out' }).waitFor();
      await page.getByRole('heading', { name: 'Sign in to Parley' }).waitFor();
      await page.getByText('your unsent message is kept').waitFor();
      await shots(page, 'sign-in-signed-out');

      await signIn(page, 'bob');
      await poll(
        () => composer(page).inputValue(),
        (value) => value === DRAFT,
        'the draft to come back',
      );
      // Sent, the draft is gone for good: a reload shows an empty box.
      await composer(page).press('Enter');
      await page.locator('article.msg-user').filter({ hasText: DRAFT }).waitFor();
      await page.reload();
      await composer(page).waitFor();
      expect(await composer(page).inputValue()).toBe('');
      expect(errors).toEqual([]);
      await context.close();
    });
  },
);

describe.skipIf(!hasChromium && !process.env.CI)(
  'reloads and the rate limit in Chromium',
  { timeout: 240_000 },
  () => {
    // Each load takes the shell and several files, and a few API calls: 16 loads pass 12 per minute.
    const env = chromiumSuite({
      options: { env: { AUTH_MODE: 'local', RATE_LIMIT_RPM: '12', DEMO_DELAY_MS: '0' } },
    });

    it('many reloads always show the app: its own message when the API is limited, never raw JSON', async () => {
      const { browser, server } = env;
      if (!server) throw new Error('no server');
      await new Client(server.t.app).signup('carol');
      const page = await (await newContext(browser, server.base, { bypassCSP: true })).newPage();
      const errors = watchErrors(page);
      const seen = new Set<string>();
      for (let i = 0; i < 16; i++) {
        const response = await page.goto(i % 2 ? '/' : '/login');
        expect(response?.status()).toBe(200);
        expect(response?.headers()['content-type']).toContain('text/html');
        // The app rendered something: the sign-in page, or its "too many requests" notice.
        const shown = await poll(
          () =>
            page.evaluate(() => {
              if (document.querySelector('h1')?.textContent === 'Sign in to Parley') return 'sign-in';
              if (/Too many requests/.test(document.querySelector('[role=alert]')?.textContent ?? ''))
                return 'limited';
              return '';
            }),
          (value) => value !== '',
          'the app to show',
        );
        seen.add(shown);
        expect(await page.evaluate(() => document.body.textContent)).not.toMatch(/^\s*\{"error"/);
        if (shown === 'limited' && !seen.has('shot')) {
          seen.add('shot');
          await page.getByText(/tries again by itself/).waitFor();
          expect(await axe(page)).toEqual([]);
          await shot(page, 'sign-in-rate-limited');
        }
      }
      expect(seen.has('limited')).toBe(true);
      expect(errors).toEqual([]);
    });
  },
);
