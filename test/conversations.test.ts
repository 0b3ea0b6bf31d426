import type { LanguageModelV3CallOptions, LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { simulateReadableStream } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/test-app.js';

let t: TestApp;
afterEach(async () => t?.close());

const post = (url: string, payload: object = {}) => t.app.inject({ method: 'POST', url, payload });
const get = (url: string) => t.app.inject({ method: 'GET', url });

describe('conversations', () => {
  it('creates, reads, renames, switches model and deletes', async () => {
    t = await createTestApp();
    const created = await post('/api/conversations', { title: 'Plans', systemPrompt: 'Be brief.' });
    expect(created.statusCode).toBe(201);
    const conversation = created.json();
    expect(conversation).toMatchObject({
      title: 'Plans',
      model: 'demo',
      systemPrompt: 'Be brief.',
      activeRun: null,
    });

    expect((await get(`/api/conversations/${conversation.id}`)).json()).toEqual(conversation);

    const renamed = await t.app.inject({
      method: 'PATCH',
      url: `/api/conversations/${conversation.id}`,
      payload: { title: 'Holiday plans', systemPrompt: null },
    });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json()).toMatchObject({ id: conversation.id, title: 'Holiday plans', systemPrompt: null });

    const deleted = await t.app.inject({ method: 'DELETE', url: `/api/conversations/${conversation.id}` });
    expect(deleted.statusCode).toBe(204);
    expect((await get(`/api/conversations/${conversation.id}`)).statusCode).toBe(404);
  });

  it('deleting a conversation deletes its messages and stops its run', async () => {
    t = await createTestApp({ env: { DEMO_DELAY_MS: '20' } });
    const { id } = (await post('/api/conversations')).json();
    const sent = (await post(`/api/conversations/${id}/messages`, { content: 'long one' })).json();
    expect((await get(`/api/conversations/${id}`)).json().activeRun).toEqual({
      id: sent.runId,
      messageId: sent.assistantMessage.id,
    });
    expect((await t.app.inject({ method: 'DELETE', url: `/api/conversations/${id}` })).statusCode).toBe(204);
    expect(t.app.parley.runs.activeCount).toBe(0);
    const left = await t.store.db
      .selectFrom('messages')
      .select('id')
      .where('conversation_id', '=', id)
      .execute();
    expect(left).toEqual([]);
  });

  it('pages conversations newest-active first with a cursor, without gaps or repeats', async () => {
    t = await createTestApp();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await post('/api/conversations', { title: `c${i}` })).json().id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/conversations?limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await get(url)).json() as { items: { id: string }[]; nextCursor: string | null };
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());

    // Activity moves a conversation to the top.
    const sent = (await post(`/api/conversations/${ids[0]}/messages`, { content: 'bump' })).json();
    await t.app.parley.runs.get(sent.runId)?.done;
    expect((await get('/api/conversations?limit=1')).json().items[0].id).toBe(ids[0]);
  });

  it('pages messages newest page first, each page oldest first, and older pages with before=', async () => {
    t = await createTestApp();
    const { id } = (await post('/api/conversations')).json();
    for (const content of ['one', 'two', 'three']) {
      const sent = (await post(`/api/conversations/${id}/messages`, { content })).json();
      await t.app.parley.runs.get(sent.runId)?.done;
    }
    const newest = (await get(`/api/conversations/${id}/messages?limit=4`)).json();
    expect(
      newest.items.map((m: { role: string; content: string }) => (m.role === 'user' ? m.content : 'AI')),
    ).toEqual(['two', 'AI', 'three', 'AI']);
    expect(newest.nextCursor).toBe(newest.items[0].id);
    const older = (await get(`/api/conversations/${id}/messages?limit=4&before=${newest.nextCursor}`)).json();
    expect(older.items.map((m: { content: string }) => m.content)[0]).toBe('one');
    expect(older.items).toHaveLength(2);
    expect(older.nextCursor).toBeNull();
  });

  it('uses the system prompt and the conversation history for the model', async () => {
    t = await createTestApp();
    const { id } = (await post('/api/conversations', { systemPrompt: 'You are terse.' })).json();
    for (const content of ['first question', 'second question']) {
      const sent = (await post(`/api/conversations/${id}/messages`, { content })).json();
      await t.app.parley.runs.get(sent.runId)?.done;
    }
    // The stored usage shows the model saw the whole branch: more input tokens the second time.
    const items = (await get(`/api/conversations/${id}/messages`)).json().items as {
      role: string;
      usage: { inputTokens: number; outputTokens: number };
    }[];
    const replies = items.filter((m) => m.role === 'assistant');
    expect(replies[1]?.usage.inputTokens).toBeGreaterThan((replies[0]?.usage.inputTokens ?? 0) + 100);
    expect(replies[0]?.usage.outputTokens).toBeGreaterThan(100);
  });

  it('sends the system prompt and the branch, not sibling replies, to the model', async () => {
    const prompts: LanguageModelV3CallOptions['prompt'][] = [];
    const recorder = new MockLanguageModelV3({
      doStream: async (options) => {
        prompts.push(options.prompt);
        return {
          stream: simulateReadableStream<LanguageModelV3StreamPart>({
            chunks: [
              { type: 'text-start', id: '1' },
              { type: 'text-delta', id: '1', delta: `answer ${prompts.length}` },
              { type: 'text-end', id: '1' },
              {
                type: 'finish',
                finishReason: { unified: 'stop', raw: 'stop' },
                usage: {
                  inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined },
                  outputTokens: { total: 2, text: 2, reasoning: undefined },
                },
              },
            ],
          }),
        };
      },
    });
    t = await createTestApp({ models: [{ id: 'recorder', model: recorder }] });
    const { id } = (
      await post('/api/conversations', { systemPrompt: 'You are terse.', model: 'recorder' })
    ).json();
    const first = (await post(`/api/conversations/${id}/messages`, { content: 'q1' })).json();
    await t.app.parley.runs.get(first.runId)?.done;
    const regen = (await post(`/api/messages/${first.assistantMessage.id}/regenerate`)).json();
    await t.app.parley.runs.get(regen.runId)?.done;
    const second = (await post(`/api/conversations/${id}/messages`, { content: 'q2' })).json();
    await t.app.parley.runs.get(second.runId)?.done;

    const last = prompts
      .at(-1)
      ?.map((m) => [
        m.role,
        m.role === 'system' ? m.content : m.content.map((p) => ('text' in p ? p.text : '')),
      ]);
    expect(last).toEqual([
      ['system', 'You are terse.'],
      ['user', ['q1']],
      ['assistant', ['answer 2']],
      ['user', ['q2']],
    ]);
  });

  it('lists the models with the default', async () => {
    t = await createTestApp();
    const res = await get('/api/models');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      defaultModel: 'demo',
      models: [
        {
          id: 'demo',
          provider: 'parley',
          name: 'Demo',
          contextWindow: null,
          input: ['text', 'image', 'pdf'],
          available: true,
          breaker: null,
          // The demo model is free, calls tools (`use <tool> with {...}`) and does not reason.
          price: { input: 0, output: 0 },
          tools: true,
          reasoning: false,
        },
      ],
    });
  });

  it('reports health and readiness', async () => {
    t = await createTestApp();
    expect((await get('/healthz')).json()).toEqual({ status: 'ok' });
    expect((await get('/readyz')).json()).toEqual({ status: 'ready' });
    expect((await get('/healthz')).headers['x-request-id']).toBeTruthy();
  });
});
