import { ensureWebBuilt, launchBrowser, newContext, startServer } from './browser.js';

await ensureWebBuilt();

import { simulateReadableStream } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';

const text =
  'Read:\n\n```ts\nconst res = await fetch(url, { headers: { accept: "text/event-stream" } }); // a long line here\n```\n\n| a | b | c | d | e |\n|---|---|---|---|---|\n| aaaaaaaaaaa | bbbbbbbbbbbbbbb | ccccccccccccc | dddddddddddd | eeeeeeeeeeeeeee |\n\nend';
const model = new MockLanguageModelV3({
  doStream: async () => ({
    stream: simulateReadableStream({
      chunks: [
        { type: 'text-start', id: '1' },
        { type: 'text-delta', id: '1', delta: text },
        { type: 'text-end', id: '1' },
        {
          type: 'finish',
          finishReason: { unified: 'stop', raw: 'stop' },
          usage: {
            inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined },
            outputTokens: { total: 2, text: 2, reasoning: undefined },
          },
        },
      ] as never,
    }),
  }),
});
const server = await startServer({
  env: { DEMO_DELAY_MS: '0', DEFAULT_MODEL: 'wide' },
  models: [{ id: 'wide', model }],
});
const browser = await launchBrowser();
const ctx = await newContext(browser, server.base, { width: 360, height: 740, mobile: true });
const page = await ctx.newPage();
await page.goto('/');
await page.getByRole('textbox', { name: 'Message', exact: true }).fill('hi');
await page.keyboard.press('Enter');
await page.waitForTimeout(2500);
const wide = await page.evaluate(() =>
  [...document.querySelectorAll('*')]
    .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
    .map((e) => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().width)}`)
    .slice(0, 15),
);
console.log(wide);
await page.screenshot({ path: '/tmp/wide.png' });
await browser.close();
await server.close();
