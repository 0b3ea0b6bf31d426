import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, loggableUrl } from '../src/server/observability/logger.js';
import { createOpsApp } from './helpers/ops-app.js';
import type { TestApp } from './helpers/test-app.js';

/**
 * What the production logger writes: no message text unless LOG_MESSAGE_CONTENT=true, not even
 * where it hides in a model error (the AI SDK's APICallError carries the request body, prompt
 * included) or in a URL (search words).
 */

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const PROMPT = 'my very private question about hunter2';

async function start(logMessageContent: boolean) {
  const lines: string[] = [];
  const logger = createLogger(
    { logLevel: 'info', logMessageContent },
    { destination: { write: (line: string) => void lines.push(line) } },
  );
  t = await createOpsApp({ logger });
  return lines;
}

async function failingCompletion(app: TestApp['app']) {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    payload: { model: 'flaky/model', messages: [{ role: 'user', content: PROMPT }] },
  });
  expect(res.statusCode).toBe(502);
}

describe('logs', () => {
  it('keep prompts out of model errors, search words out of URLs, and text out of run logs', async () => {
    const lines = await start(false);
    await failingCompletion((t as TestApp).app);
    const app = (t as TestApp).app;
    const conversation = (
      await app.inject({ method: 'POST', url: '/api/conversations', payload: {} })
    ).json();
    const sent = await app.inject({
      method: 'POST',
      url: `/api/conversations/${conversation.id}/messages`,
      payload: { content: PROMPT, model: 'flaky/model' },
    });
    await app.parley.runs.get(sent.json().runId)?.done;
    await app.inject({ method: 'GET', url: '/api/search?q=hunter2&limit=5' });

    const logs = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    // The failures were logged, with their error, just not the prompt inside it.
    const failure = logs.find((log) => log.msg === 'openai request failed');
    expect(failure?.err).toBeTruthy();
    expect(logs.find((log) => log.msg === 'run finished')).toMatchObject({ status: 'error' });
    expect(lines.join('\n')).not.toContain('hunter2');
    const urls = logs.map((log) => (log.req as { url?: string } | undefined)?.url).filter(Boolean);
    expect(urls).toContain('/api/search?q=[redacted]&limit=5');
  });

  it('keep them when LOG_MESSAGE_CONTENT=true', async () => {
    const lines = await start(true);
    await failingCompletion((t as TestApp).app);
    await (t as TestApp).app.inject({ method: 'GET', url: '/api/search?q=hunter2' });
    expect(lines.join('\n')).toContain(PROMPT);
    expect(lines.join('\n')).toContain('/api/search?q=hunter2');
  });

  it('show harmless query parameters as they are', () => {
    expect(loggableUrl('/api/conversations/1/stream?after=42')).toBe('/api/conversations/1/stream?after=42');
    expect(loggableUrl('/api/conversations?limit=5&cursor=abc')).toBe(
      '/api/conversations?limit=5&cursor=abc',
    );
    expect(loggableUrl('/x?token=secret&format=json')).toBe('/x?token=[redacted]&format=json');
    expect(loggableUrl('/healthz')).toBe('/healthz');
  });
});
