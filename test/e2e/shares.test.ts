import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { hasChromium, newContext, watchErrors } from './browser.js';
import { axe, chromiumSuite, PASSWORD, shot, signUp } from './console-helpers.js';
import { composer, lastAssistant, poll, textLength, waitForStatus } from './helpers.js';

/**
 * Share links in Chromium: alice shares a conversation from its header (anyone with the link), a
 * signed-out browser opens the link and reads it, goes to sign in from "Continue in my account"
 * and comes back, then copies it into bob's account; alice revokes the link and the page says it
 * was removed; the Settings card lists and revokes links. axe-core finds nothing on the dialog, the
 * share page (light, dark, 360 px) and the removed page. Screenshots: docs/screenshots/share.png,
 * share-dark.png, share-360.png, share-dialog.png, share-removed.png.
 */

describe.skipIf(!hasChromium && !process.env.CI)('share links in Chromium', { timeout: 180_000 }, () => {
  const env = chromiumSuite({ options: { env: { AUTH_MODE: 'local', DEMO_DELAY_MS: '0' } } });

  it('shares from the header, reads signed out, continues in an account, and revokes', async () => {
    const { browser, server } = env;
    if (!server) throw new Error('no server');
    // bypassCSP: axe-core is injected into the page as a script.
    const aliceContext = await newContext(browser, server.base, { bypassCSP: true });
    const alice = await aliceContext.newPage();
    const errors = [watchErrors(alice)];
    await signUp(alice, 'alice');
    await composer(alice).fill('Plan a picnic for six people in the park');
    await composer(alice).press('Enter');
    await waitForStatus(lastAssistant(alice), 'complete');
    const replyText = (await lastAssistant(alice).locator('.msg-content').textContent()) ?? '';

    // Share from the conversation's header: anyone with the link.
    await alice.locator('header.conv-header').getByRole('button', { name: 'Share' }).click();
    const dialog = alice.getByRole('dialog', { name: 'Share this conversation' });
    expect(await axe(alice)).toEqual([]);
    await shot(alice, 'share-dialog-choose');
    await dialog.getByRole('radio', { name: /Anyone with the link/ }).check();
    await dialog.getByRole('button', { name: 'Create link' }).click();
    const field = dialog.getByRole('textbox', { name: 'Share link' });
    await field.waitFor();
    const link = await field.inputValue();
    expect(link).toMatch(new RegExp(`^${server.base}/s/[A-Za-z0-9_-]{24}$`));
    await dialog.getByRole('button', { name: 'Copy link' }).click();
    await dialog.getByRole('button', { name: 'Copied' }).waitFor();
    expect(await alice.evaluate(() => navigator.clipboard.readText())).toBe(link);
    expect(await axe(alice)).toEqual([]);
    await shot(alice, 'share-dialog');
    await dialog.getByRole('button', { name: 'Close' }).click();
    // The header's Share button on a phone, next to the model picker and the menu.
    await alice.setViewportSize({ width: 360, height: 780 });
    await alice.locator('header.conv-header').getByRole('button', { name: 'Share' }).waitFor();
    await shot(alice, 'share-button-360');
    await alice.setViewportSize({ width: 1280, height: 800 });

    // Written after sharing: not on the shared page.
    await composer(alice).fill('A second question, after the share');
    await composer(alice).press('Enter');
    await waitForStatus(lastAssistant(alice), 'complete');

    // A fresh, signed-out browser reads it.
    const anonContext = await newContext(browser, server.base, { bypassCSP: true });
    const anon = await anonContext.newPage();
    errors.push(watchErrors(anon));
    await anon.goto(link);
    await anon.getByText('Shared conversation (read-only)').waitFor();
    await anon.getByRole('heading', { level: 1 }).waitFor();
    await anon.locator('article.msg-user').getByText('Plan a picnic for six people in the park').waitFor();
    expect(await anon.locator('article.msg-assistant .msg-content').first().textContent()).toBe(replyText);
    expect(await anon.getByText('A second question, after the share').count()).toBe(0);
    expect(await axe(anon)).toEqual([]);
    await shot(anon, 'share');
    await anon.emulateMedia({ colorScheme: 'dark' });
    expect(await axe(anon)).toEqual([]);
    await shot(anon, 'share-dark');
    await anon.emulateMedia({ colorScheme: 'light' });
    await anon.setViewportSize({ width: 360, height: 780 });
    expect(await axe(anon)).toEqual([]);
    await shot(anon, 'share-360');
    await anon.setViewportSize({ width: 1280, height: 800 });

    // "Continue in my account" signed out: sign in (bob), come back, then copy it.
    const bobSignup = await anonContext.request.post('/api/auth/signup', {
      data: { username: 'bob', password: PASSWORD },
    });
    expect(bobSignup.status()).toBe(201);
    await anonContext.clearCookies();
    await anon.goto(link);
    await anon.getByRole('button', { name: 'Continue in my account' }).click();
    await poll(
      async () => new URL(anon.url()).pathname,
      (p) => p === '/login',
      'the sign-in page',
    );
    await anon.getByLabel('Username').fill('bob');
    await anon.getByLabel('Password').fill(PASSWORD);
    await anon.getByRole('button', { name: 'Sign in' }).click();
    await poll(
      async () => anon.url(),
      (url) => url === link,
      'back on the share page',
    );
    await anon.getByRole('button', { name: 'Continue in my account' }).click();
    await poll(
      async () => new URL(anon.url()).pathname,
      (p) => p.startsWith('/c/'),
      "bob's copy",
    );
    await anon.locator('article.msg-user').getByText('Plan a picnic for six people in the park').waitFor();
    // Bob's own now: he can reply in it.
    await composer(anon).fill('Add a vegetarian option');
    await composer(anon).press('Enter');
    await waitForStatus(lastAssistant(anon), 'complete');

    // Alice revokes it (from Settings); the link now says it was removed.
    await alice.getByRole('link', { name: /Settings/ }).click();
    const card = alice.getByRole('region', { name: 'Shared links' });
    await card.getByText('Anyone with the link').waitFor();
    // Scroll the settings column (only it: scrollIntoView would move the whole page too).
    await card.evaluate((el) => {
      let box = el.parentElement;
      while (box && !/(auto|scroll)/.test(getComputedStyle(box).overflowY)) box = box.parentElement;
      if (box) box.scrollTop += el.getBoundingClientRect().top - box.getBoundingClientRect().top - 120;
    });
    expect(await axe(alice)).toEqual([]);
    await shot(alice, 'share-settings');
    await card.getByRole('button', { name: /^Revoke the link to/ }).click();
    await alice.getByRole('dialog', { name: 'Revoke link?' }).getByRole('button', { name: 'Revoke' }).click();
    await card.getByText(/No shared links yet/).waitFor();

    const fresh = await (await newContext(browser, server.base, { bypassCSP: true })).newPage();
    errors.push(watchErrors(fresh));
    await fresh.goto(link);
    await fresh.getByRole('heading', { name: 'This link was removed or never existed' }).waitFor();
    expect(await axe(fresh)).toEqual([]);
    await shot(fresh, 'share-removed');

    expect(errors.flat()).toEqual([]);
  });

  it('shows a shared image, served through the share to a signed-out reader', async () => {
    const { browser, server } = env;
    if (!server) throw new Error('no server');
    const context = await newContext(browser, server.base);
    const page = await context.newPage();
    await signUp(page, 'dave');
    await page.getByRole('textbox', { name: 'Message', exact: true }).waitFor();
    const image = await sharp({ create: { width: 320, height: 200, channels: 3, background: '#3a7bd5' } })
      .png()
      .toBuffer();
    const csrf = ((await (await page.request.get('/api/auth/me')).json()) as { csrfToken: string }).csrfToken;
    const headers = { 'x-csrf-token': csrf };
    const upload = await page.request.post('/api/files', {
      headers,
      multipart: { file: { name: 'sky.png', mimeType: 'image/png', buffer: image } },
    });
    const file = (await upload.json()) as { id: string };
    const started = await page.request.post('/api/conversations/start', {
      headers,
      data: { content: 'What colour is this sky?', files: [file.id] },
    });
    const { conversationId } = (await started.json()) as { conversationId: string };
    await poll(
      async () =>
        (
          (await (await page.request.get(`/api/conversations/${conversationId}`)).json()) as {
            activeRun: unknown;
          }
        ).activeRun,
      (run) => run === null,
      'the reply',
    );
    const share = (await (
      await page.request.post(`/api/conversations/${conversationId}/share`, {
        headers,
        data: { visibility: 'public' },
      })
    ).json()) as { url: string };

    const anon = await (await newContext(browser, server.base, { bypassCSP: true })).newPage();
    const errors = watchErrors(anon);
    await anon.goto(share.url);
    const img = anon.getByRole('img', { name: 'sky.png' });
    await img.waitFor();
    await poll(
      () => img.evaluate((el) => (el as HTMLImageElement).naturalWidth),
      (width) => width > 0,
      'the thumbnail to load',
    );
    expect(await axe(anon)).toEqual([]);
    await shot(anon, 'share-attachments');
    expect(errors).toEqual([]);
  });

  it('a link for signed-in users asks a signed-out reader to sign in', async () => {
    const { browser, server } = env;
    if (!server) throw new Error('no server');
    const context = await newContext(browser, server.base, { bypassCSP: true });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await signUp(page, 'carol');
    await composer(page).fill('Internal notes');
    await composer(page).press('Enter');
    await waitForStatus(lastAssistant(page), 'complete');
    await page.locator('header.conv-header').getByRole('button', { name: 'Share' }).click();
    const dialog = page.getByRole('dialog', { name: 'Share this conversation' });
    expect(await dialog.getByRole('radio', { name: /Signed-in users/ }).isChecked()).toBe(true);
    await dialog.getByRole('button', { name: 'Create link' }).click();
    const link = await dialog.getByRole('textbox', { name: 'Share link' }).inputValue();

    const anon = await (await newContext(browser, server.base, { bypassCSP: true })).newPage();
    await anon.goto(link);
    await anon.getByRole('heading', { name: 'Sign in to read this conversation' }).waitFor();
    expect(await anon.getByText('Internal notes').count()).toBe(0);
    expect(await axe(anon)).toEqual([]);

    // Revoked from the dialog itself.
    await dialog.getByRole('button', { name: 'Revoke link' }).click();
    await dialog.getByText('Link revoked: it no longer opens.').waitFor();
    expect((await page.request.get(new URL(link).pathname.replace('/s/', '/api/shares/'))).status()).toBe(
      404,
    );
    expect(errors).toEqual([]);
  });
});

describe.skipIf(!hasChromium && !process.env.CI)(
  'a shared reply still streaming, in Chromium',
  { timeout: 180_000 },
  () => {
    const env = chromiumSuite({
      options: { env: { AUTH_MODE: 'local', DEMO_DELAY_MS: '25' }, checkpointMs: 50 },
    });

    it('grows on the shared page until it ends, then stays', async () => {
      const { browser, server } = env;
      if (!server) throw new Error('no server');
      const page = await (await newContext(browser, server.base)).newPage();
      await signUp(page, 'erin');
      await page.getByRole('textbox', { name: 'Message', exact: true }).waitFor();
      const csrf = ((await (await page.request.get('/api/auth/me')).json()) as { csrfToken: string })
        .csrfToken;
      const headers = { 'x-csrf-token': csrf };
      const started = await page.request.post('/api/conversations/start', {
        headers,
        data: { content: 'Tell me about lighthouses' },
      });
      const { conversationId } = (await started.json()) as { conversationId: string };
      // Some of the reply is written (checkpointed) before the link is made.
      await poll(
        async () =>
          (
            (await (await page.request.get(`/api/conversations/${conversationId}/messages`)).json()) as {
              items: { role: string; content: string }[];
            }
          ).items.find((m) => m.role === 'assistant')?.content.length ?? 0,
        (length) => length > 0,
        'the first words of the reply',
      );
      const share = (await (
        await page.request.post(`/api/conversations/${conversationId}/share`, {
          headers,
          data: { visibility: 'public' },
        })
      ).json()) as { url: string };

      const anon = await (await newContext(browser, server.base, { bypassCSP: true })).newPage();
      const errors = watchErrors(anon);
      await anon.goto(share.url);
      const reply = anon.locator('article.msg-assistant');
      await anon.getByText('Still being written…').waitFor();
      expect(await reply.getAttribute('data-status')).toBe('streaming');
      const first = await textLength(reply);
      await poll(
        () => textLength(reply),
        (length) => length > first,
        'the shared reply to grow',
      );
      expect(await axe(anon)).toEqual([]);
      await waitForStatus(reply, 'complete', 60_000);
      expect(await anon.getByText('Still being written…').count()).toBe(0);
      const stored = (
        (await (await page.request.get(`/api/conversations/${conversationId}/messages`)).json()) as {
          items: { role: string; content: string }[];
        }
      ).items.find((m) => m.role === 'assistant');
      await anon.reload();
      await reply.waitFor();
      expect(await reply.getAttribute('data-status')).toBe('complete');
      expect(stored?.content.length).toBeGreaterThan(first);
      expect(errors).toEqual([]);
    });
  },
);
