import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { newContext, watchErrors } from './browser.js';
import { axe, chromiumSuite, shot } from './console-helpers.js';
import { poll } from './helpers.js';

/**
 * Issue 18 item 6 in Chromium: a conversation (imported, so every message is exactly as written)
 * with a task list, TeX math, dollar amounts, math that tries to inject links and styles, a
 * mermaid diagram, a malformed one, a 400-line code block and a 60-line pasted message. Checks
 * what a user sees and can do with the keyboard, that no CSP rule is broken, axe-core, and writes
 * docs/screenshots/rendering-*.png (light, dark, 360 px).
 */

const CODE = Array.from(
  { length: 400 },
  (_, i) => `print("line ${i + 1}")  # ${'x'.repeat(i % 7 === 0 ? 120 : 8)}`,
);
const REPLY = [
  '## Rendering check',
  '',
  '- [x] Write the tests',
  '- [ ] Ship it',
  '',
  'Euler: $e^{i\\pi} + 1 = 0$; prices stay text: it costs $5 and $10.',
  '',
  '$$',
  '\\int_0^1 x^2\\,dx = \\frac{1}{3}',
  '$$',
  '',
  'Attacks: $\\href{javascript:alert(1)}{click}$ and $\\htmlStyle{position:fixed;inset:0}{x}$ and $\\text{<img src=x onerror=alert(1)>}$.',
  '',
  '```mermaid',
  'graph TD',
  '  A[Start] --> B{"<script>alert(1)</script>"}',
  '  B -->|yes| C[Done]',
  '  B -->|no| D["javascript:alert(1)"]',
  '```',
  '',
  '```mermaid',
  'graph TD',
  '  A --> ((( not a diagram',
  '```',
  '',
  '```python',
  ...CODE,
  '```',
  '',
  'The end.',
].join('\n');
const PASTED = Array.from(
  { length: 60 },
  (_, i) => `2026-12-07 06:${String(i).padStart(2, '0')} log line ${i + 1}`,
).join('\n');

// AUTH_MODE=none (the test app's default): one local user, no sign-in.
const env = chromiumSuite({ options: {} });

async function importConversation(page: Page): Promise<string> {
  const me = await (await page.request.get('/api/auth/me')).json();
  const res = await page.request.post('/api/conversations/import', {
    headers: me.csrfToken ? { 'x-csrf-token': me.csrfToken } : {},
    data: {
      format: 'parley.conversation',
      version: 1,
      conversation: { title: 'Rendering check', model: 'demo' },
      messages: [
        { id: 'u1', parentId: null, role: 'user', content: PASTED },
        { id: 'a1', parentId: 'u1', role: 'assistant', content: REPLY, status: 'complete' },
      ],
    },
  });
  expect(res.status()).toBe(201);
  return (await res.json()).imported[0].id;
}

/** Records CSP violations the page reports (the console says the same). */
async function watchCsp(page: Page): Promise<() => Promise<string[]>> {
  await page.addInitScript(() => {
    const list: string[] = [];
    (window as unknown as { __csp: string[] }).__csp = list;
    document.addEventListener('securitypolicyviolation', (e) =>
      list.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}:${e.columnNumber}`),
    );
  });
  const console: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) console.push(m.text());
  });
  return async () => [
    ...new Set([
      ...console,
      ...(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)),
    ]),
  ];
}

async function open(page: Page, id: string): Promise<void> {
  await page.goto(`/c/${id}`);
  await page.locator('article.msg-assistant .markdown h2').waitFor();
}

describe('rendering in Chromium', { timeout: 120_000 }, () => {
  let id = '';
  let context: BrowserContext;

  it('renders task lists, math, diagrams and folds long code and pastes, within the CSP', async () => {
    const server = env.server;
    if (!server) throw new Error('no server');
    context = await newContext(env.browser, server.base);
    const page = await context.newPage();
    const errors = watchErrors(page);
    const csp = await watchCsp(page);
    await page.goto('/');
    await page.getByRole('textbox', { name: 'Message', exact: true }).waitFor();
    id = await importConversation(page);
    await open(page, id);
    const reply = page.locator('article.msg-assistant .markdown');

    // Task list: disabled checkboxes, checked state kept, named by their text.
    const boxes = reply.getByRole('checkbox');
    expect(await boxes.count()).toBe(2);
    expect(await reply.getByRole('checkbox', { name: 'Write the tests' }).isChecked()).toBe(true);
    expect(await reply.getByRole('checkbox', { name: 'Ship it' }).isChecked()).toBe(false);
    expect(await boxes.first().isDisabled()).toBe(true);

    // Math: MathML, inline and display; dollar amounts stay text; no links, styles or images.
    expect(await reply.locator('math').count()).toBe(5);
    expect(await reply.locator('math[display="block"] mfrac').count()).toBe(1);
    expect(await reply.textContent()).toContain('it costs $5 and $10.');
    expect(await reply.locator('[href]:not(a), a[href^="javascript"], img, [style], [id]').count()).toBe(0);
    expect(await reply.locator('math a, math [href]').count()).toBe(0);

    // The 400-line block is folded, with a keyboard-reachable toggle that says how much is hidden.
    const block = reply.locator('.code-block').filter({ hasText: 'line 400' });
    const toggle = block.getByRole('button', { name: 'Show all (400 lines)' });
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    const folded = (await block.boundingBox())?.height ?? 0;
    expect(folded).toBeLessThan(900);
    const pre = block.locator('pre');
    expect(await pre.getAttribute('tabindex')).toBe('0');
    expect(await pre.getAttribute('aria-label')).toBe('Code, python');
    await toggle.focus();
    await page.keyboard.press('Enter');
    expect(await block.getByRole('button', { name: 'Show less' }).getAttribute('aria-expanded')).toBe('true');
    expect((await block.boundingBox())?.height ?? 0).toBeGreaterThan(5000);
    // Scrolled to the middle of the block, its Copy button is still on screen.
    await block.locator('code').getByText('line 200"', { exact: false }).scrollIntoViewIfNeeded();
    const copy = block.getByRole('button', { name: 'Copy code' });
    const copyBox = await copy.boundingBox();
    const viewport = page.viewportSize();
    expect(copyBox && viewport && copyBox.y >= 0 && copyBox.y < viewport.height).toBe(true);
    await copy.click();
    expect((await page.evaluate(() => navigator.clipboard.readText())).split('\n')).toHaveLength(400);
    await block.getByRole('button', { name: 'Show less' }).click();

    // The pasted message is folded too.
    const pasted = page.locator('article.msg-user');
    const fold = pasted.getByRole('button', { name: 'Show all (60 lines)' });
    expect(await fold.getAttribute('aria-expanded')).toBe('false');
    expect((await pasted.boundingBox())?.height ?? 0).toBeLessThan(500);
    await fold.click();
    expect((await pasted.boundingBox())?.height ?? 0).toBeGreaterThan(900);
    await pasted.getByRole('button', { name: 'Show less' }).click();

    // Mermaid is not loaded until a diagram is asked for; then it is drawn as a sandboxed image.
    const loaded = () =>
      page.evaluate(() => performance.getEntriesByType('resource').some((r) => /mermaid/.test(r.name)));
    expect(await loaded()).toBe(false);
    const diagram = reply.locator('.code-mermaid').first();
    await diagram.getByRole('button', { name: 'Show diagram' }).click();
    const image = diagram.locator('.mermaid-view img');
    await image.waitFor({ timeout: 30_000 });
    expect(await loaded()).toBe(true);
    expect(await image.getAttribute('src')).toMatch(/^data:image\/svg\+xml/);
    await poll(
      () => image.evaluate((img) => (img as HTMLImageElement).naturalWidth),
      (w) => w > 50,
      'the diagram',
    );
    expect(await diagram.locator('pre').isVisible()).toBe(false);
    const svg = decodeURIComponent((await image.getAttribute('src'))?.split(',')[1] ?? '');
    // Labels are text ("javascript:alert(1)" may be shown, never linked); no script, links or handlers.
    expect(svg).not.toMatch(/<script|<a\b|foreignObject|\s(on\w+|href|xlink:href)=/i);
    expect(svg).toContain('Start');

    // A malformed diagram says so and keeps its code; the message is otherwise untouched.
    const broken = reply.locator('.code-mermaid').nth(1);
    await broken.getByRole('button', { name: 'Show diagram' }).click();
    await broken.getByRole('alert').waitFor();
    expect(await broken.getByRole('alert').textContent()).toMatch(/^Could not draw this diagram/);
    expect(await broken.locator('pre').isVisible()).toBe(true);
    expect(await reply.getByText('The end.').isVisible()).toBe(true);

    expect(errors).toEqual([]);
    expect(await csp()).toEqual([]);
  });

  for (const look of [
    { name: 'rendering-light', colorScheme: 'light' as const, width: 1280 },
    { name: 'rendering-dark', colorScheme: 'dark' as const, width: 1280 },
    { name: 'rendering-360', colorScheme: 'light' as const, width: 360, mobile: true },
  ]) {
    it(`is axe-clean and looks right: ${look.name}`, async () => {
      const server = env.server;
      if (!server) throw new Error('no server');
      // bypassCSP: axe-core is injected into the page as a script.
      const ctx = await newContext(env.browser, server.base, {
        colorScheme: look.colorScheme,
        width: look.width,
        height: look.mobile ? 740 : 800,
        mobile: look.mobile ?? false,
        bypassCSP: true,
      });
      await ctx.addCookies(await context.cookies());
      const page = await ctx.newPage();
      await open(page, id);
      const reply = page.locator('article.msg-assistant .markdown');
      await reply.locator('.code-mermaid').first().getByRole('button', { name: 'Show diagram' }).click();
      await reply.locator('.mermaid-view img').waitFor({ timeout: 30_000 });
      expect(await axe(page)).toEqual([]);
      await reply.locator('h2').scrollIntoViewIfNeeded();
      await page.locator('article.msg-assistant').evaluate((el) => el.scrollIntoView({ block: 'start' }));
      await shot(page, look.name);
      await reply.locator('.code-mermaid').first().scrollIntoViewIfNeeded();
      await shot(page, `${look.name}-diagram`);
      // The folded 400-line block: its toggle, and its head (Copy) above.
      await reply.getByRole('button', { name: 'Show all (400 lines)' }).scrollIntoViewIfNeeded();
      await shot(page, `${look.name}-code`);
      if (look.name === 'rendering-light') {
        // To the top of the conversation (the list shows only the messages near the view).
        await page.locator('article.msg-assistant').evaluate((el) => {
          let box: HTMLElement | null = el.parentElement;
          while (box && !/auto|scroll/.test(getComputedStyle(box).overflowY)) box = box.parentElement;
          if (box) box.scrollTop = 0;
        });
        await page.locator('article.msg-user').waitFor();
        await shot(page, 'rendering-light-paste');
      }
      await ctx.close();
    });
  }
});
