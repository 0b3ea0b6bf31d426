import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Conversation, ModelList } from '../../src/web/api.js';
import { stopLiveEvents } from '../../src/web/events.js';
import { useConversation } from '../../src/web/hooks/use-conversation.js';
import { type RunActionsOptions, useRunActions } from '../../src/web/hooks/use-run-actions.js';
import {
  type Call,
  conversation,
  fakeFetch,
  installBrowser,
  json,
  message,
  renderHook,
  route,
  run,
  settle,
  sseStream,
} from './hook-harness.js';

// Tools in a conversation: choosing them (saved, or kept for the conversation not created yet),
// and answering a call that waits for approval, then following the resumed reply.

afterEach(() => {
  stopLiveEvents();
  vi.unstubAllGlobals();
});

function actions(conversationId: string | null) {
  const updated: Conversation[] = [];
  const options: RunActionsOptions = {
    conversationId,
    parentId: undefined,
    onAccepted: () => {},
    onCreated: () => {},
    onUpdated: (c) => updated.push(c),
  };
  return { updated, hook: () => useRunActions(options) };
}

describe('choosing tools', () => {
  it('keeps the choice of a conversation not created yet, and sends it with the create call', async () => {
    installBrowser();
    // The first message creates the conversation (POST /api/conversations/start), tools included.
    const net = fakeFetch(
      route('POST', '/api/conversations/start', () =>
        json(
          {
            runId: 'r1',
            conversationId: 'c9',
            userMessage: message('m1'),
            assistantMessage: message('m2', { role: 'assistant', status: 'streaming', content: '' }),
          },
          202,
        ),
      ),
      route('GET', '/api/conversations/c9', () => json(conversation('c9', { tools: ['everything/echo'] }))),
    );
    const a = actions(null);
    const hook = await renderHook(a.hook);
    await run(() => hook.current().changeTools(['everything/echo']));
    expect(hook.current().draftTools).toEqual(['everything/echo']);
    expect(net.calls).toEqual([]);
    await run(() => hook.current().send('use echo'));
    expect(net.calls[0]).toMatchObject({
      method: 'POST',
      url: '/api/conversations/start',
      body: { content: 'use echo', tools: ['everything/echo'] },
    });
  });

  it('saves a change at once, shows it while it saves, and only the newest choice wins', async () => {
    installBrowser();
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const bodies: unknown[] = [];
    fakeFetch(
      route('PATCH', '/api/conversations/c1', async (call: Call) => {
        bodies.push(call.body);
        await held;
        return json(conversation('c1', { tools: (call.body as { tools: string[] }).tools }));
      }),
    );
    const a = actions('c1');
    const hook = await renderHook(a.hook);
    await run(() => hook.current().changeTools(['s/a']));
    await run(() => hook.current().changeTools(['s/a', 's/b']));
    await run(() => hook.current().changeTools(['s/b']));
    expect(hook.current().pendingTools).toEqual(['s/b']);
    release();
    await settle(60);
    // The first save was under way; the second was replaced by the third before it was sent.
    expect(bodies).toEqual([{ tools: ['s/a'] }, { tools: ['s/b'] }]);
    expect(hook.current().pendingTools).toBeNull();
    expect(a.updated.map((c) => c.tools)).toEqual([['s/b']]);
  });

  it('shows why a save failed, and goes back to the saved choice', async () => {
    installBrowser();
    fakeFetch(
      route('PATCH', '/api/conversations/c1', () =>
        json({ error: 'Unknown tool: nope/x.', code: 'unknown_tool' }, 400),
      ),
    );
    const a = actions('c1');
    const hook = await renderHook(a.hook);
    await run(() => hook.current().changeTools(['nope/x']));
    await settle();
    expect(hook.current().pendingTools).toBeNull();
    expect(hook.current().toolsError).toBe('Unknown tool: nope/x.');
  });
});

const models = { defaultModel: 'parley/demo', models: [] } as unknown as ModelList;

const waitingReply = message('m2', {
  parentId: 'm1',
  role: 'assistant',
  status: 'waiting',
  content: 'Let me check.',
  parts: [
    { type: 'step-start' },
    { type: 'text', text: 'Let me check.' },
    {
      type: 'dynamic-tool',
      toolCallId: 'call_1',
      toolName: 'everything/echo',
      state: 'approval-requested',
      input: { message: 'hello' },
      approval: { id: 'call_1' },
    },
  ],
});

describe('answering a tool call', () => {
  it('approves, then follows the resumed run into the same message, and reads it back at its end', async () => {
    installBrowser();
    const stream = sseStream();
    const finalReply = message('m2', {
      ...waitingReply,
      status: 'complete',
      content: 'Let me check.\n\nThe tool everything/echo returned: Echo: hello',
      updatedAt: '2026-01-01T00:00:05.000Z',
      parts: [
        ...waitingReply.parts.slice(0, 2),
        {
          type: 'dynamic-tool',
          toolCallId: 'call_1',
          toolName: 'everything/echo',
          state: 'output-available',
          input: { message: 'hello' },
          output: 'Echo: hello',
          approval: { id: 'call_1', approved: true },
          durationMs: 7,
        },
        { type: 'step-start' },
        { type: 'text', text: 'The tool everything/echo returned: Echo: hello' },
      ],
    });
    let pageCalls = 0;
    const net = fakeFetch(
      route('GET', '/api/conversations/c1', () => json(conversation('c1', { tools: ['everything/echo'] }))),
      route('GET', '/api/conversations/c1/messages?limit=50', () => {
        pageCalls += 1;
        return json({
          items: pageCalls === 1 ? [waitingReply, message('m1')] : [finalReply, message('m1')],
          nextCursor: null,
        });
      }),
      route('POST', '/api/conversations/c1/approvals', () =>
        json({ toolCallId: 'call_1', approved: true, runId: 'r2', messageId: 'm2' }),
      ),
      route('GET', '/api/conversations/c1/stream?runId=r2', (call: Call) => stream.response(call)),
    );
    const hook = await renderHook(() =>
      useConversation({ conversationId: 'c1', summary: null, models, onConversation: () => {} }),
    );
    await settle();
    // Waiting is not writing: nothing runs, and the composer may send.
    expect(hook.current().running).toBe(false);
    expect(hook.current().enabledTools).toEqual(['everything/echo']);
    expect(hook.current().items[1]?.status).toBe('waiting');

    const reply = hook.current().items[1];
    if (!reply) throw new Error('no reply');
    const ok = await run(() => hook.current().answerApproval(reply, 'call_1', true));
    expect(ok).toBe(true);
    expect(net.calls.find((c) => c.url.endsWith('/approvals'))?.body).toEqual({
      toolCallId: 'call_1',
      approved: true,
    });
    expect(hook.current().running).toBe(true);
    expect(hook.current().items[1]?.parts[2]).toMatchObject({
      state: 'approval-responded',
      approval: { approved: true },
    });

    stream.event({ type: 'start', messageId: 'm2' });
    stream.event({ type: 'data-run', data: { kind: 'resume' } });
    stream.event({ type: 'tool-output-available', toolCallId: 'call_1', output: 'Echo: hello' });
    stream.event({ type: 'start-step' });
    stream.event({ type: 'text-delta', id: 't', delta: 'The tool everything/echo returned: ' });
    await settle();
    const items = hook.current().items;
    expect(items.map((m) => m.id)).toEqual(['m1', 'm2']);
    expect(items[1]?.status).toBe('streaming');
    expect(items[1]?.parts.map((p) => p.type)).toEqual([
      'step-start',
      'text',
      'dynamic-tool',
      'step-start',
      'text',
    ]);
    expect(items[1]?.parts[2]).toMatchObject({ state: 'output-available', output: 'Echo: hello' });

    stream.event({ type: 'text-delta', id: 't', delta: 'Echo: hello' });
    stream.event({ type: 'finish', messageMetadata: { status: 'complete' } });
    stream.done();
    await settle(80);
    expect(hook.current().running).toBe(false);
    // Read back: the stored reply has the call's duration.
    expect(hook.current().items[1]).toMatchObject({ status: 'complete', content: finalReply.content });
    expect(hook.current().items[1]?.parts[2]).toMatchObject({ durationMs: 7 });
    expect(net.unhandled).toEqual([]);
  });

  it('denies with a reason; while other calls wait no run starts, and the call shows as answered', async () => {
    installBrowser();
    const net = fakeFetch(
      route('GET', '/api/conversations/c1', () => json(conversation('c1'))),
      route('GET', '/api/conversations/c1/messages?limit=50', () =>
        json({ items: [waitingReply, message('m1')], nextCursor: null }),
      ),
      route('POST', '/api/conversations/c1/approvals', () =>
        json({ toolCallId: 'call_1', approved: false, runId: null, messageId: 'm2' }),
      ),
    );
    const hook = await renderHook(() =>
      useConversation({ conversationId: 'c1', summary: null, models, onConversation: () => {} }),
    );
    await settle();
    const reply = hook.current().items[1];
    if (!reply) throw new Error('no reply');
    await run(() => hook.current().answerApproval(reply, 'call_1', false, 'Not today'));
    expect(net.calls.find((c) => c.url.endsWith('/approvals'))?.body).toEqual({
      toolCallId: 'call_1',
      approved: false,
      reason: 'Not today',
    });
    expect(hook.current().running).toBe(false);
    expect(hook.current().items[1]?.parts[2]).toMatchObject({
      state: 'approval-responded',
      approval: { approved: false, reason: 'Not today' },
    });
  });

  it('an answer given elsewhere already: says so and reloads the reply', async () => {
    installBrowser();
    let pageCalls = 0;
    fakeFetch(
      route('GET', '/api/conversations/c1', () => json(conversation('c1'))),
      route('GET', '/api/conversations/c1/messages?limit=50', () => {
        pageCalls += 1;
        return json({ items: [waitingReply, message('m1')], nextCursor: null });
      }),
      route('POST', '/api/conversations/c1/approvals', () =>
        json({ error: 'This tool call was answered already.', code: 'already_decided' }, 409),
      ),
    );
    const hook = await renderHook(() =>
      useConversation({ conversationId: 'c1', summary: null, models, onConversation: () => {} }),
    );
    await settle();
    const reply = hook.current().items[1];
    if (!reply) throw new Error('no reply');
    const ok = await run(() => hook.current().answerApproval(reply, 'call_1', true));
    expect(ok).toBe(false);
    expect(hook.current().error?.message).toBe('This tool call was answered already.');
    expect(pageCalls).toBe(2);
  });
});
