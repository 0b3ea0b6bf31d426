import type { LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { simulateReadableStream } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makePdf as makeTestPdf } from '../helpers/documents.js';
import {
  ensureWebBuilt,
  hasChromium,
  launchBrowser,
  newContext,
  type Server,
  screenshot,
  startServer,
  watchErrors,
} from './browser.js';
import { composer, conversationIdOf, lastAssistant, poll, users, waitForStatus } from './helpers.js';
import { pickModel } from './model-picker-helpers.js';

/**
 * Attachments in a real browser against a real Parley (no login, so every upload must carry
 * `x-parley-upload`): a pasted screenshot and a picked PDF upload with chips, a model that cannot
 * read images is explained, the demo model describes what it got, the thread shows a thumbnail
 * (full size in a dialog) and a PDF chip after a reload, a drop adds a file, an edit resends the
 * files it keeps. Screenshots go to test-output/screenshots (attachments-*.png).
 */

let browser: Browser;
let server: Server | undefined;

/** A model that reads text only (what the composer must warn about when the draft holds an image). */
function textOnlyModel() {
  const chunks: LanguageModelV3StreamPart[] = [
    { type: 'text-start', id: '1' },
    { type: 'text-delta', id: '1', delta: 'Text only.' },
    { type: 'text-end', id: '1' },
    {
      type: 'finish',
      finishReason: { unified: 'stop', raw: 'stop' },
      usage: {
        inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined },
        outputTokens: { total: 1, text: 1, reasoning: undefined },
      },
    },
  ];
  return new MockLanguageModelV3({
    doStream: async () => ({ stream: simulateReadableStream<LanguageModelV3StreamPart>({ chunks }) }),
  });
}

const makePdf = (text: string) => Buffer.from(makeTestPdf([text]));

/** Pastes a 640×480 PNG drawn in the page into the message box, as a screenshot tool would. */
async function pasteChart(page: Page) {
  await composer(page).evaluate(async (area) => {
    const canvas = document.createElement('canvas');
    canvas.width = 640;
    canvas.height = 480;
    const g = canvas.getContext('2d') as CanvasRenderingContext2D;
    g.fillStyle = '#f4f6fb';
    g.fillRect(0, 0, 640, 480);
    const bars = [120, 260, 190, 340, 280];
    for (const [i, height] of bars.entries()) {
      g.fillStyle = ['#4f46e5', '#0ea5e9', '#22c55e', '#f59e0b', '#ef4444'][i] as string;
      g.fillRect(60 + i * 110, 430 - height, 80, height);
    }
    const blob = await new Promise<Blob>((resolve) => canvas.toBlob((b) => resolve(b as Blob), 'image/png'));
    const data = new DataTransfer();
    data.items.add(new File([blob], 'chart.png', { type: 'image/png' }));
    area.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  });
}

/** Drags a small text file over the conversation (the overlay shows), then drops it or leaves. */
async function dragNotes(page: Page, then: 'drop' | 'hover') {
  await page.locator('main.conversation').evaluate((main, action) => {
    const data = new DataTransfer();
    data.items.add(new File(['Meeting notes: ship attachments.\n'], 'notes.txt', { type: 'text/plain' }));
    main.dispatchEvent(new DragEvent('dragenter', { dataTransfer: data, bubbles: true, cancelable: true }));
    main.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
    if (action === 'drop')
      main.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
  }, then);
}

const chips = (page: Page) => page.locator('form.composer li.attachment-chip');
const chip = (page: Page, name: string) => chips(page).filter({ hasText: name });
const sendButton = (page: Page) => page.getByRole('button', { name: 'Send message' });

async function waitReady(item: Locator) {
  await poll(
    () => item.getAttribute('data-status'),
    (status) => status === 'ready' || status === 'error',
    'the upload',
  );
  expect(await item.getAttribute('data-status')).toBe('ready');
}

/** Every image in `scope` has loaded (a broken preview has no natural width). */
async function imagesLoaded(scope: Locator): Promise<boolean> {
  return scope
    .locator('img')
    .evaluateAll((images) =>
      images.every((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0),
    );
}

describe.skipIf(!hasChromium && !process.env.CI)('attachments in Chromium', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    await ensureWebBuilt();
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
  });

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('pastes an image, attaches a PDF, sends them, and shows them in the thread after a reload', async () => {
    server = await startServer({
      env: { DEMO_DELAY_MS: '5' },
      models: [{ id: 'text-only', model: textOnlyModel() }],
    });
    const context = await newContext(browser, server.base);
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto('/');
    await composer(page).waitFor();

    // The attach button is named and on the keyboard's way to the message box (as every control is).
    await page.waitForSelector('nav');
    const unnamed = await page.evaluate(() =>
      [...document.querySelectorAll('button, a[href], input, select, textarea')]
        .filter((el) => !(el.getAttribute('aria-label') || el.textContent?.trim() || el.closest('label')))
        .map((el) => el.outerHTML.slice(0, 80)),
    );
    expect(unnamed).toEqual([]);
    // From the message box (focused on load) once round the page and back, as a keyboard user would.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Message');
    let presses = 0;
    do {
      await page.keyboard.press('Tab');
      presses += 1;
    } while (presses < 12 && !(await composer(page).evaluate((el) => el === document.activeElement)));
    expect(presses).toBeLessThan(12);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Message');
    await page.keyboard.press('Shift+Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe(
      'Attach files',
    );

    // A pasted screenshot becomes a chip with its thumbnail; a picked PDF another; both upload at once.
    await pasteChart(page);
    await page.locator('input[type=file]').setInputFiles({
      name: 'report.pdf',
      mimeType: 'application/pdf',
      buffer: makePdf('Quarterly report'),
    });
    await waitReady(chip(page, 'chart.png'));
    await waitReady(chip(page, 'report.pdf'));
    expect(await composer(page).inputValue()).toBe(''); // the paste added no text
    expect(await chip(page, 'chart.png').locator('img').getAttribute('src')).toMatch(
      /^\/api\/files\/.+\/preview$/,
    );
    await poll(() => imagesLoaded(chips(page)), Boolean, 'the chip thumbnail');
    expect(await chip(page, 'report.pdf').textContent()).toMatch(/report\.pdf.*\d+ B/);

    // A file the server refuses (an executable called a PNG) shows the server's reason on its chip.
    await page.locator('input[type=file]').setInputFiles({
      name: 'photo.png',
      mimeType: 'image/png',
      buffer: Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
    });
    await poll(
      () => chip(page, 'photo.png').getAttribute('data-status'),
      (status) => status === 'error',
      'the refused upload',
    );
    expect((await chip(page, 'photo.png').getByRole('alert').textContent())?.length).toBeGreaterThan(5);
    await composer(page).fill('What is in these files?');
    await screenshot(page, 'attachments-composer');
    await chip(page, 'photo.png').getByRole('button', { name: 'Remove photo.png' }).click();
    expect(await chips(page).count()).toBe(2);

    // A model that cannot read images: said next to the composer, and Send waits for another model.
    await pickModel(page, 'text-only');
    const refusal = page.getByRole('status').filter({ hasText: 'does not read images' });
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain('Demo does');
    expect(await sendButton(page).isDisabled()).toBe(true);
    await screenshot(page, 'attachments-model-refuses-images');
    await pickModel(page, 'demo');
    await refusal.waitFor({ state: 'detached' });
    expect(await page.locator('.reads-images').count()).toBe(1);

    // Send: the demo describes both files as its reply streams in.
    await composer(page).press('Enter');
    await page.waitForURL(/\/c\//);
    const reply = lastAssistant(page);
    await waitForStatus(reply, 'complete');
    const said = (await reply.locator('.msg-content').textContent()) ?? '';
    expect(said).toMatch(/chart\.png \(image\/png, [\d,]+ bytes, 640×480 pixels\)/);
    expect(said).toMatch(/report\.pdf \(application\/pdf, [\d,]+ bytes\)/);
    expect(await chips(page).count()).toBe(0);

    // After a reload the thread still shows the thumbnail, the PDF chip and the text.
    const conversationId = conversationIdOf(page);
    await page.reload();
    await waitForStatus(lastAssistant(page), 'complete');
    const sent = users(page).first();
    const thumbnail = sent.getByRole('button', { name: 'View chart.png full size' });
    await thumbnail.waitFor();
    await poll(() => imagesLoaded(sent), Boolean, 'the thumbnail');
    const pdfLink = sent.getByRole('link', { name: /report\.pdf/ });
    expect(await pdfLink.getAttribute('target')).toBe('_blank');
    expect(await pdfLink.getAttribute('href')).toMatch(/^\/api\/files\/[^/]+$/);
    expect(await pdfLink.textContent()).toMatch(/PDF · \d+ B/);
    expect(await sent.locator('.msg-bubble').textContent()).toBe('What is in these files?');
    await sent.scrollIntoViewIfNeeded();
    await screenshot(page, 'attachments-thread');

    // The full-size view: a modal dialog with the original image, closed by Esc or its button.
    await thumbnail.click();
    const viewer = page.getByRole('dialog', { name: 'chart.png' });
    await viewer.waitFor();
    await poll(() => imagesLoaded(viewer), Boolean, 'the full-size image');
    expect(await viewer.locator('img').evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBe(640);
    await screenshot(page, 'attachments-viewer');
    await page.keyboard.press('Escape');
    await viewer.waitFor({ state: 'detached' });
    expect(await thumbnail.evaluate((button) => button === document.activeElement)).toBe(true);
    await thumbnail.click();
    await viewer.getByRole('button', { name: 'Close image' }).click();
    await viewer.waitFor({ state: 'detached' });

    // Files dragged over the page show the drop overlay; a drop adds them; removing deletes the upload.
    await dragNotes(page, 'hover');
    await page.locator('.drop-overlay').waitFor();
    await screenshot(page, 'attachments-drop');
    await dragNotes(page, 'drop');
    await page.locator('.drop-overlay').waitFor({ state: 'detached' });
    await waitReady(chip(page, 'notes.txt'));
    const deleted = page.waitForResponse(
      (res) => res.request().method() === 'DELETE' && res.status() === 204,
    );
    await chip(page, 'notes.txt').getByRole('button', { name: 'Remove notes.txt' }).click();
    await deleted;

    // Edit and resend keeps the files (here: the image only, the PDF removed in the edit box).
    await sent.hover();
    await sent.getByRole('button', { name: 'Edit and resend' }).click();
    const editChips = sent.locator('li.attachment-chip');
    expect(await editChips.allTextContents()).toEqual([
      expect.stringContaining('chart.png'),
      expect.stringContaining('report.pdf'),
    ]);
    await sent.getByRole('button', { name: 'Remove report.pdf' }).click();
    await sent.getByRole('textbox', { name: 'Edit message' }).fill('Only the chart now');
    await sent.getByRole('button', { name: 'Send', exact: true }).click();
    await poll(
      () => users(page).first().locator('.msg-bubble').textContent(),
      (t) => t === 'Only the chart now',
      'the edit',
    );
    await waitForStatus(lastAssistant(page), 'complete');
    const second = (await lastAssistant(page).locator('.msg-content').textContent()) ?? '';
    expect(second).toContain('chart.png (image/png');
    expect(second).not.toContain('report.pdf');
    expect(
      await users(page)
        .first()
        .getByRole('link', { name: /report\.pdf/ })
        .count(),
    ).toBe(0);
    // The original message (and its PDF) are untouched: the edit made a sibling.
    const stored = (await (
      await page.request.get(`/api/conversations/${conversationId}/messages`)
    ).json()) as {
      items: { role: string; parts: { type: string; filename?: string }[] }[];
    };
    const userFiles = stored.items
      .filter((m) => m.role === 'user')
      .map((m) => m.parts.filter((p) => p.type === 'file').map((p) => p.filename));
    expect(userFiles).toEqual([['chart.png', 'report.pdf'], ['chart.png']]);

    // A phone: the thread and a draft with a chip fit the narrow screen.
    const phone = await newContext(browser, server.base, { width: 390, height: 844, mobile: true });
    const mobile = await phone.newPage();
    await mobile.goto(`/c/${conversationId}`);
    await waitForStatus(lastAssistant(mobile), 'complete');
    await mobile.getByRole('button', { name: 'Previous version' }).first().click();
    await poll(() => imagesLoaded(users(mobile).first()), Boolean, 'the phone thumbnail');
    await mobile.locator('input[type=file]').setInputFiles({
      name: 'a-rather-long-file-name-for-a-phone.pdf',
      mimeType: 'application/pdf',
      buffer: makePdf('Hi'),
    });
    await waitReady(chip(mobile, 'a-rather-long'));
    await users(mobile).first().scrollIntoViewIfNeeded();
    await screenshot(mobile, 'attachments-phone');
    const overflow = await mobile.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await phone.close();

    expect(errors).toEqual([]);
    await context.close();
  });

  it('shows a picture the model makes in its reply, live and after a reload', async () => {
    server = await startServer({ env: { DEMO_DELAY_MS: '5' } });
    const context = await newContext(browser, server.base);
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto('/');
    await composer(page).fill('/image a lighthouse at dusk');
    await composer(page).press('Enter');
    await page.waitForURL(/\/c\//);
    const reply = lastAssistant(page);
    await waitForStatus(reply, 'complete');
    const picture = reply.getByRole('button', { name: /View generated\.png full size/ });
    await picture.waitFor();
    await poll(() => imagesLoaded(reply), Boolean, 'the generated picture');
    await page.reload();
    await waitForStatus(lastAssistant(page), 'complete');
    await lastAssistant(page)
      .getByRole('button', { name: /View generated\.png full size/ })
      .waitFor();
    await poll(() => imagesLoaded(lastAssistant(page)), Boolean, 'the generated picture after a reload');
    await lastAssistant(page).scrollIntoViewIfNeeded();
    await screenshot(page, 'attachments-generated');
    expect(errors).toEqual([]);
    await context.close();
  });
});
