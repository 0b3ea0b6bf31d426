import { describe, expect, it } from 'vitest';
import { hasChromium } from './browser.js';
import { adminAndBob, axe, chromiumSuite, openTab, PASSWORD, shot } from './console-helpers.js';
import { composer, lastAssistant, poll, waitForStatus } from './helpers.js';

/**
 * The admin console in Chromium against the real server (AUTH_MODE=local, SIGNUP=approval): the
 * first account (the admin) chats a little, approves a waiting sign-up, opens every section, reads
 * the usage chart and its table and CSV; axe-core finds no violations on any section; a non-admin
 * gets the "admins only" page. Screenshots (light, dark, 360 px) go to docs/screenshots/admin-*.png.
 */

describe.skipIf(!hasChromium && !process.env.CI)('admin console in Chromium', { timeout: 180_000 }, () => {
  const env = chromiumSuite({
    options: { env: { AUTH_MODE: 'local', SIGNUP: 'approval', DEMO_DELAY_MS: '0' } },
  });

  it('approves a waiting user, shows every section without axe violations, and charts the usage', async () => {
    const { browser, server } = env;
    if (!server) throw new Error('no server');
    const { adminContext, admin, bobContext, bob, errors } = await adminAndBob(browser, server.base);
    await bob.getByRole('status').filter({ hasText: 'waiting for an admin' }).waitFor();

    // A few demo turns, so there is usage to chart.
    for (const text of ['Hello there', 'Tell me a short story', 'Thanks!']) {
      await composer(admin).fill(text);
      await composer(admin).press('Enter');
      await waitForStatus(lastAssistant(admin), 'complete');
    }

    // Users: bob waits first; approve him; search finds him.
    await admin.getByRole('link', { name: 'Admin console' }).click();
    await admin.getByRole('heading', { name: 'Admin console' }).waitFor();
    const users = admin.getByRole('region', { name: 'Users' });
    await users.getByRole('heading', { name: 'Waiting for approval (1)' }).waitFor();
    await shot(admin, 'admin-users');
    await users.getByRole('button', { name: 'Approve bob' }).click();
    await users.getByRole('status').filter({ hasText: 'bob is approved' }).waitFor();
    expect(await users.getByRole('heading', { name: /Waiting for approval/ }).count()).toBe(0);
    await users.getByRole('searchbox', { name: 'Search users' }).fill('bo');
    await poll(
      () => users.locator('.admin-user strong').allTextContents(),
      (names) => names.length === 1 && names[0] === 'bob',
      'the search to find bob alone',
    );
    expect(await axe(admin)).toEqual([]);

    // Invites: create one (shown once), then revoke it.
    await openTab(admin, 'Invites');
    const invites = admin.getByRole('region', { name: 'Invites' });
    await invites.getByRole('button', { name: 'Create invite' }).click();
    await invites.getByRole('status').filter({ hasText: 'Copy this invite code now' }).waitFor();
    const code = await invites.getByLabel('New invite code').inputValue();
    expect(code.length).toBeGreaterThan(10);
    expect(await invites.locator('.token-item').first().textContent()).toContain('by you');
    await invites.locator('.badge', { hasText: 'open' }).first().waitFor();
    expect(await axe(admin)).toEqual([]);
    await shot(admin, 'admin-invites');
    await invites
      .getByRole('button', { name: /^Revoke the user invite/ })
      .first()
      .click();
    await admin.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await invites.locator('.badge', { hasText: 'revoked' }).first().waitFor();

    // Models: the demo model with its breaker state.
    await openTab(admin, 'Models');
    const models = admin.getByRole('region', { name: 'Models and providers' });
    await models.locator('table tbody tr').first().waitFor();
    expect(await models.locator('.badge').first().textContent()).toBe('healthy');
    expect(await axe(admin)).toEqual([]);
    await shot(admin, 'admin-models');

    // Tools: none configured here.
    await openTab(admin, 'Tools');
    await admin.getByText('No MCP servers are configured').waitFor();
    expect(await axe(admin)).toEqual([]);

    // Usage: the totals, the charts (canvas), the table and its CSV.
    await openTab(admin, 'Usage');
    const daily = admin.getByRole('region', { name: 'Per day, by model' });
    await daily.locator('canvas').first().waitFor();
    expect(await daily.locator('canvas').count()).toBe(2);
    const tokens = Number(
      ((await admin.locator('.usage-totals dd').first().textContent()) ?? '').replace(/[^0-9]/g, ''),
    );
    expect(tokens).toBeGreaterThan(0);
    const rows = await daily.locator('table tbody tr').allTextContents();
    expect(rows.length).toBeGreaterThan(0);
    const csvHref = await daily.getByRole('link', { name: /Download CSV/ }).getAttribute('href');
    expect(csvHref).toContain('format=csv');
    const csv = await admin.request.get(csvHref as string);
    expect(csv.headers()['content-type']).toContain('text/csv');
    expect((await csv.text()).split('\n')[0]).toContain('input_tokens');
    const top = admin.getByRole('region', { name: 'Top users' });
    await top.getByRole('cell', { name: 'alice' }).waitFor();
    expect(await axe(admin)).toEqual([]);
    await shot(admin, 'admin-usage');
    await daily.locator('table').scrollIntoViewIfNeeded();
    await shot(admin, 'admin-usage-table');

    // Audit: the approval is there; the filter narrows it.
    await openTab(admin, 'Audit');
    const audit = admin.getByRole('region', { name: 'Audit log' });
    await audit.locator('.audit-item').first().waitFor();
    await shot(admin, 'admin-audit');
    await audit.getByLabel('Event').selectOption('user-approved');
    await poll(
      () => audit.locator('.audit-item .badge').allTextContents(),
      (types) => types.length > 0 && types.every((t) => t === 'user-approved'),
      'only approvals listed',
    );
    expect(await axe(admin)).toEqual([]);

    // A daily limit alice has mostly used: the console saves it, the chat shows the quiet meter, and
    // Settings shows what is left.
    await openTab(admin, 'Users');
    const alice = users.locator('.admin-user', { hasText: 'alice' });
    await alice.getByText('Token limits').click();
    await alice.getByLabel('Tokens a day').fill(String(Math.ceil(tokens / 0.9)));
    await alice.getByRole('button', { name: 'Save limits for alice' }).click();
    await users.getByRole('status').filter({ hasText: 'limits are saved' }).waitFor();
    await admin.getByRole('link', { name: 'New chat' }).click();
    const meter = admin.getByRole('complementary', { name: 'Token limit' });
    await meter.getByText(/of today’s tokens used/).waitFor();
    expect(await axe(admin)).toEqual([]);
    await shot(admin, 'admin-quota-meter');
    await admin.goto('/settings');
    const own = admin.getByRole('region', { name: 'Your usage' });
    await own.getByText(/left/).waitFor();
    expect(await own.textContent()).toContain(`${tokens.toLocaleString('en-US')} tokens this month`);
    await own.scrollIntoViewIfNeeded();
    await shot(admin, 'admin-settings-usage');
    await admin.goto('/admin/usage');

    // Dark theme and a 360 px phone.
    await admin.emulateMedia({ colorScheme: 'dark' });
    await openTab(admin, 'Usage');
    await daily.locator('canvas').first().waitFor();
    expect(await axe(admin)).toEqual([]);
    await shot(admin, 'admin-usage-dark');
    await openTab(admin, 'Users');
    await users.locator('.admin-user').first().waitFor();
    await shot(admin, 'admin-users-dark');
    await admin.emulateMedia({ colorScheme: 'light' });
    await admin.setViewportSize({ width: 360, height: 780 });
    await admin.goto('/admin/usage');
    await daily.locator('canvas').first().waitFor();
    expect(await axe(admin)).toEqual([]);
    expect(await admin.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await shot(admin, 'admin-usage-360');
    await admin.goto('/admin/users');
    await users.locator('.admin-user').first().waitFor();
    await shot(admin, 'admin-users-360');

    // Bob, now approved, is no admin: the console says so.
    await bob.getByRole('button', { name: 'Go to sign in' }).click();
    await bob.getByLabel('Username').fill('bob');
    await bob.getByLabel('Password').fill(PASSWORD);
    await bob.getByRole('button', { name: 'Sign in' }).click();
    await composer(bob).waitFor();
    expect(await bob.getByRole('link', { name: 'Admin console' }).count()).toBe(0);
    await bob.goto('/admin');
    await bob.getByRole('heading', { name: 'Admins only' }).waitFor();
    await bob.goto('/settings');
    await bob.getByRole('region', { name: 'Your usage' }).getByText('tokens this month').waitFor();

    expect(errors.flat()).toEqual([]);
    await adminContext.close();
    await bobContext.close();
  });
});
