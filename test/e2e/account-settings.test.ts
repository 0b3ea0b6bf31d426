import { describe, expect, it } from 'vitest';
import { Client } from '../helpers/clients.js';
import { hasChromium, newContext, screenshot, watchErrors } from './browser.js';
import { axe, chromiumSuite, PASSWORD, shot, signUp } from './console-helpers.js';
import { poll } from './helpers.js';

/**
 * Account self-service in Chromium against the real server (AUTH_MODE=local): a user changes
 * their display name, creates an API token with a daily budget and changes it, then deletes their
 * account (a wrong password first) and lands on the sign-in screen. axe-core finds no violations
 * on the page or the dialog; nothing overflows at 360 px. Screenshot: docs/screenshots/settings-account.png.
 */

describe.skipIf(!hasChromium && !process.env.CI)('account settings in Chromium', { timeout: 180_000 }, () => {
  const env = chromiumSuite({
    options: { env: { AUTH_MODE: 'local', DEMO_DELAY_MS: '0' } },
    // The first account is the admin; bob (below) is a user who may delete his own account.
    ready: async (server) => {
      await new Client(server.t.app).signup('root-admin');
    },
  });

  it('changes the display name, budgets a token, and deletes the account', async () => {
    const { browser, server } = env;
    if (!server) throw new Error('no server');
    // bypassCSP: axe-core is injected into the page as a script. Tall enough for every card.
    const context = await newContext(browser, server.base, { bypassCSP: true, height: 2200 });
    const page = await context.newPage();
    const errors = watchErrors(page);

    await signUp(page, 'bob');
    await page.getByRole('link', { name: /Settings/ }).click();
    await page.getByRole('heading', { name: 'Settings' }).waitFor();

    // Display name: saved, and shown at once where the app names the user.
    const profile = page.getByRole('region', { name: 'Profile' });
    await profile.getByRole('textbox', { name: 'Display name' }).fill('Bob the Builder');
    await profile.getByRole('button', { name: 'Save' }).click();
    await profile.getByRole('status').filter({ hasText: 'Display name saved.' }).waitFor();
    await page.getByRole('region', { name: 'Account' }).getByText('Bob the Builder').waitFor();
    const me = (await (await page.request.get('/api/auth/me')).json()) as { user: { displayName: string } };
    expect(me.user.displayName).toBe('Bob the Builder');

    // A token with a daily budget, then a bigger one.
    const tokens = page.getByRole('region', { name: 'API tokens' });
    await tokens.getByRole('textbox', { name: 'Token name' }).fill('nightly script');
    await tokens.getByRole('textbox', { name: /Daily budget/ }).fill('5000');
    await tokens.getByRole('button', { name: 'Create token' }).click();
    expect(await tokens.getByLabel('New API token').inputValue()).toMatch(/^pk_/);
    await tokens.getByText(/0 of 5,000 tokens used today/).waitFor();
    await tokens.getByRole('button', { name: 'Change the daily budget of “nightly script”' }).click();
    await tokens.getByRole('textbox', { name: /Daily budget of “nightly script”/ }).fill('20000');
    await tokens.getByRole('button', { name: 'Save' }).click();
    await tokens.getByText(/0 of 20,000 tokens used today/).waitFor();
    const listed = (await (await page.request.get('/api/tokens')).json()) as {
      items: { dailyTokenBudget: number | null }[];
    };
    expect(listed.items.map((item) => item.dailyTokenBudget)).toEqual([20000]);
    expect(await axe(page)).toEqual([]);

    await shot(page, 'settings-account');

    // Nothing overflows sideways on a 360 px phone.
    await page.setViewportSize({ width: 360, height: 800 });
    await poll(
      () => page.evaluate(() => document.documentElement.scrollWidth),
      (width) => width <= 360,
      'the settings page to fit 360 px',
    );
    await page.setViewportSize({ width: 1280, height: 2200 });

    // Delete the account: the dialog says what goes and asks for the password.
    await page.getByRole('button', { name: 'Delete my account' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete your account?' });
    await dialog.getByText(/conversations, uploaded files, API tokens/).waitFor();
    expect(await axe(page)).toEqual([]);
    await screenshot(page, 'settings-delete-account-dialog');
    await dialog.getByLabel('Your password').fill('not my password');
    await dialog.getByRole('button', { name: 'Delete my account' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'The password is wrong' }).waitFor();
    expect((await page.request.get('/api/auth/me')).status()).toBe(200);
    await dialog.getByLabel('Your password').fill(PASSWORD);
    await dialog.getByRole('button', { name: 'Delete my account' }).click();
    await page.getByRole('heading', { name: 'Sign in to Parley' }).waitFor();
    expect((await page.request.get('/api/auth/me')).status()).toBe(401);
    expect((await new Client(server.t.app).login('bob')).statusCode).toBe(401);
    expect(errors).toEqual([]);
    await context.close();
  });
});
