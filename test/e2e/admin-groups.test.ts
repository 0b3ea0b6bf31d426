import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { hasChromium } from './browser.js';
import { adminAndBob, axe, chromiumSuite, openTab, shot } from './console-helpers.js';
import { assistants, composer, lastAssistant, poll, statusOf } from './helpers.js';

/**
 * Groups in Chromium against the real server (AUTH_MODE=local, SIGNUP=open, the demo model without
 * delay): the admin creates a group with a small shared daily quota and adds bob; bob chats until
 * the group's tokens are used, and his next message is refused with a clear "Token limit reached"
 * that names the group. The Groups tab has no axe violations (light, dark, 360 px); the Usage tab
 * charts the group against its quota with a table and a CSV. Screenshots: docs/screenshots/admin-group*.png.
 */

const QUOTA = 120;

/** Sends `text`; resolves 'replied' when the reply completes, 'refused' when the error bar shows instead. */
async function sendOrRefused(page: Page, text: string): Promise<'replied' | 'refused'> {
  const before = await assistants(page).count();
  await composer(page).fill(text);
  await composer(page).press('Enter');
  return poll(
    async () => {
      if ((await page.locator('.inline-error').count()) > 0) return 'refused' as const;
      if ((await assistants(page).count()) > before && (await statusOf(lastAssistant(page))) === 'complete')
        return 'replied' as const;
      return null;
    },
    (v) => v !== null,
    'a reply or a refusal',
  ) as Promise<'replied' | 'refused'>;
}

describe.skipIf(!hasChromium && !process.env.CI)('groups in the admin console', { timeout: 180_000 }, () => {
  const env = chromiumSuite({ options: { env: { AUTH_MODE: 'local', SIGNUP: 'open', DEMO_DELAY_MS: '0' } } });

  it('a group’s shared daily quota runs out for its member, and the console shows where it stands', async () => {
    const { browser, server } = env;
    if (!server) throw new Error('no server');
    const { adminContext, admin, bobContext, bob, errors } = await adminAndBob(browser, server.base);
    await composer(bob).waitFor();

    // Create the group: a name clash and a bad number are refused in place first.
    await admin.goto('/admin/groups');
    const groups = admin.getByRole('region', { name: 'Groups' });
    await groups.getByText('No groups yet.').waitFor();
    await groups.getByRole('button', { name: 'New group' }).click();
    const form = groups.getByRole('form', { name: 'New group' });
    await form.getByLabel('Name').fill('Research');
    await form.getByLabel('Shared tokens a day').fill('lots');
    await form.getByRole('button', { name: 'Create group' }).click();
    await form.getByText('Enter a whole number of tokens').waitFor();
    await form.getByLabel('Shared tokens a day').fill(String(QUOTA));
    await form.getByRole('button', { name: 'Create group' }).click();
    await groups.getByRole('status').filter({ hasText: 'The group Research is created' }).waitFor();
    const research = groups.locator('.group-item', { hasText: 'Research' });
    await research.getByText(`Today: 0 of ${QUOTA} tokens (0%)`).waitFor();

    // Add bob from a search.
    await research.getByRole('button', { name: 'Members of Research (0)' }).click();
    const members = research.getByRole('region', { name: 'Members of Research' });
    await members.getByText('No members yet.').waitFor();
    await members.getByRole('searchbox', { name: 'Add a member to Research' }).fill('bo');
    await members.getByRole('button', { name: 'Add bob to Research' }).click();
    await members.getByRole('status').filter({ hasText: 'bob is a member now.' }).waitFor();
    await research.getByRole('button', { name: 'Members of Research (1)' }).waitFor();
    expect(await members.locator('.group-member-list li').first().textContent()).toContain('bob');
    // Only the models picked: the demo model (bob's chat uses it).
    await research.getByRole('button', { name: 'Edit Research' }).click();
    const edit = research.getByRole('form', { name: 'Edit Research' });
    const models = edit.getByRole('group', { name: 'Models' });
    await models.getByRole('radio', { name: 'Only these' }).check();
    await models.getByRole('checkbox').first().check();
    const picked = (
      await models
        .locator('label', { has: admin.locator(':checked') })
        .last()
        .textContent()
    )?.trim();
    expect(await axe(admin)).toEqual([]);
    await shot(admin, 'admin-groups');
    await edit.getByRole('button', { name: 'Save Research' }).click();
    await groups.getByRole('status').filter({ hasText: 'Research is saved.' }).waitFor();
    await research.getByText(`Models: 1 model: `).waitFor();
    expect(picked).toBeTruthy();

    // Bob chats until the group's tokens are used; the next message is refused, naming the group.
    let replies = 0;
    for (let turn = 0; turn < 12; turn += 1) {
      if ((await sendOrRefused(bob, `Tell me something, part ${turn + 1}`)) === 'refused') break;
      replies += 1;
    }
    expect(replies).toBeGreaterThan(0);
    const refusal = bob.getByRole('alert').filter({ hasText: 'Token limit reached' });
    await refusal.waitFor();
    const said = (await refusal.textContent()) ?? '';
    expect(said).toContain('Research');
    expect(said).toContain('00:00 UTC');
    // Retrying cannot help before the reset: no Retry button; the message stays in the composer.
    expect(await refusal.getByRole('button', { name: 'Retry' }).count()).toBe(0);
    expect(await composer(bob).inputValue()).toMatch(/^Tell me something/);
    const meter = bob.getByRole('complementary', { name: 'Token limit' });
    await meter.getByText('Your group “Research” has used all of today’s 120 tokens.').waitFor();
    await shot(bob, 'admin-group-quota-chat');

    // Two more groups for the chart: Support (alice, a roomy quota, one reply used) and Design (none).
    const me = (await (await admin.request.get('/api/auth/me')).json()) as {
      user: { id: string };
      csrfToken: string;
    };
    const headers = { 'x-csrf-token': me.csrfToken };
    const created = await admin.request.post('/api/admin/groups', {
      headers,
      data: { name: 'Support', tokenQuotaDaily: 1000, tokenQuotaMonthly: 20000 },
    });
    const support = (await created.json()) as { id: string };
    expect(
      (
        await admin.request.put(`/api/admin/groups/${support.id}/members/${me.user.id}`, { headers })
      ).status(),
    ).toBe(204);
    expect(
      (await admin.request.post('/api/admin/groups', { headers, data: { name: 'Design' } })).status(),
    ).toBe(201);
    await admin.getByRole('link', { name: 'New chat' }).click();
    expect(await sendOrRefused(admin, 'Hello from support')).toBe('replied');

    // The console shows the group used up, bob's row names it, the Usage tab charts it.
    await admin.goto('/admin/groups');
    await research.getByText(/Today: [\d,]+ of 120 tokens \(\d{3,}%\) · used up/).waitFor();
    await openTab(admin, 'Users');
    await admin.locator('.admin-user', { hasText: 'bob' }).getByText('Group: Research').waitFor();
    await openTab(admin, 'Usage');
    const chart = admin.getByRole('region', { name: 'Groups against their quotas', exact: true });
    await chart.locator('.quota-bar-marker').first().waitFor();
    expect(await chart.locator('.quota-bar-value').first().textContent()).toMatch(/ \/ 120 \(\d+%\)$/);
    await chart.getByRole('cell', { name: 'Research' }).waitFor();
    const csvHref = await chart.getByRole('link', { name: /Download CSV/ }).getAttribute('href');
    expect(csvHref).toContain('groupBy=group');
    const csv = await admin.request.get(csvHref as string);
    expect(csv.headers()['content-type']).toContain('text/csv');
    const lines = (await csv.text()).trim().split('\n');
    expect(lines[0]).toContain('group');
    expect(lines.some((line) => line.includes('Research'))).toBe(true);
    expect(await axe(admin)).toEqual([]);
    await chart.scrollIntoViewIfNeeded();
    await shot(admin, 'admin-usage-groups');

    // Dark theme and a 360 px phone, the group opened.
    const openResearch = async () => {
      await research.getByRole('button', { name: /^Members of Research/ }).click();
      await research.getByRole('region', { name: 'Members of Research' }).getByText('bob').first().waitFor();
    };
    await admin.emulateMedia({ colorScheme: 'dark' });
    await openTab(admin, 'Groups');
    await openResearch();
    expect(await axe(admin)).toEqual([]);
    await shot(admin, 'admin-groups-dark');
    await openTab(admin, 'Usage');
    await chart.locator('.quota-bar-marker').first().waitFor();
    expect(await axe(admin)).toEqual([]);
    await chart.scrollIntoViewIfNeeded();
    await shot(admin, 'admin-usage-groups-dark');
    await admin.emulateMedia({ colorScheme: 'light' });
    await admin.setViewportSize({ width: 360, height: 780 });
    await admin.goto('/admin/groups');
    await openResearch();
    expect(await axe(admin)).toEqual([]);
    expect(await admin.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await shot(admin, 'admin-groups-360');
    await admin.goto('/admin/usage');
    await chart.locator('.quota-bar-marker').first().waitFor();
    expect(await admin.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await chart.scrollIntoViewIfNeeded();
    await shot(admin, 'admin-usage-groups-360');

    // Deleting asks first; bob, in no group now, may chat again.
    await admin.setViewportSize({ width: 1280, height: 800 });
    await admin.goto('/admin/groups');
    await research.getByRole('button', { name: 'Delete Research' }).click();
    await admin.getByRole('dialog').getByRole('button', { name: 'Delete group' }).click();
    await groups.getByRole('status').filter({ hasText: 'The group Research is deleted' }).waitFor();
    expect(await research.count()).toBe(0);
    await bob.getByRole('alert').getByRole('button', { name: 'Dismiss' }).click();
    expect(await sendOrRefused(bob, 'One more, please')).toBe('replied');

    expect(errors.flat()).toEqual([]);
    await adminContext.close();
    await bobContext.close();
  });
});
