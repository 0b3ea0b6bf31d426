import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Message } from '../../src/web/api.js';
import { prefixKey, useRunFollower, withLiveReply } from '../../src/web/hooks/use-run-follower.js';
import { NO_PARTS } from '../../src/web/stream-parts.js';
import {
  delta,
  fakeFetch,
  installBrowser,
  message,
  renderHook,
  route,
  run,
  settle,
  sseStream,
} from './hook-harness.js';

// Following one run's stream into the page: live text, the final message, the ends a run can have.

afterEach(() => {
  vi.unstubAllGlobals();
});

const streamUrl = (runId: string) => `/api/conversations/c1/stream?runId=${runId}`;

function follower() {
  const finals: { messageId: string; patch: Partial<Message> }[] = [];
  const onStale = vi.fn(async () => {});
  const options = {
    onFinal: (messageId: string, patch: Partial<Message>) => finals.push({ messageId, patch }),
    onStale,
  };
  return { finals, onStale, hook: () => useRunFollower('c1', options) };
}

describe('useRunFollower', () => {
  it('streams deltas into the live reply, a frame at a time, and hands over the final message at [DONE]', async () => {
    const browser = installBrowser({ manualFrames: true });
    const stream = sseStream();
    fakeFetch(route('GET', streamUrl('r1'), (call) => stream.response(call)));
    const f = follower();
    const hook = await renderHook(f.hook);
    await run(() => hook.current().attach('r1', 'm2', ''));
    expect(hook.current().live).toMatchObject({ runId: 'r1', messageId: 'm2', text: '', connection: 'open' });

    stream.event({ type: 'start' });
    stream.event({ type: 'data-run', data: { kind: 'reply' } });
    await settle();
    for (const word of ['Hel', 'lo', ', ', 'world']) {
      stream.event(delta(word));
      await settle(5);
    }
    // However fast parts arrive, nothing is drawn between frames, and one frame draws them all.
    expect(hook.current().live?.text).toBe('');
    const renders = hook.history.length;
    await browser.runFrames();
    expect(hook.current().live?.text).toBe('Hello, world');
    expect(hook.history.length).toBe(renders + 1);
    expect(f.finals).toEqual([]);

    stream.event({ type: 'finish', finishReason: 'stop', messageMetadata: { status: 'complete' } });
    stream.done();
    await settle();
    await browser.runFrames();
    expect(hook.current().live).toBeNull();
    expect(f.finals).toHaveLength(1);
    expect(f.finals[0]).toMatchObject({
      messageId: 'm2',
      patch: { content: 'Hello, world', status: 'complete', error: null, finishReason: 'stop' },
    });
    expect(hook.current().announce).toBe('Reply finished.');
    expect(f.onStale).not.toHaveBeenCalled();
  });

  it('shows a file the model makes as it arrives, then reads the finished reply back from the server', async () => {
    const browser = installBrowser({ manualFrames: true });
    const stream = sseStream();
    fakeFetch(route('GET', streamUrl('r3'), (call) => stream.response(call)));
    const f = follower();
    const hook = await renderHook(f.hook);
    await run(() => hook.current().attach('r3', 'm3', ''));
    stream.event({ type: 'data-run', data: { kind: 'reply' } });
    stream.event(delta('Here it is.'));
    stream.event({ type: 'file', url: '/api/files/f9', mediaType: 'image/png' });
    await settle();
    await browser.runFrames();
    const shown = withLiveReply([message('m3', { role: 'assistant', content: '' })], hook.current().live);
    expect(shown[0]?.content).toBe('Here it is.');
    expect(shown[0]?.parts).toEqual([
      expect.objectContaining({ type: 'file', fileId: 'f9', url: '/api/files/f9', mediaType: 'image/png' }),
    ]);
    stream.event({ type: 'finish', finishReason: 'stop', messageMetadata: { status: 'complete' } });
    stream.done();
    await settle();
    await browser.runFrames();
    // The stored reply names the kept file by its real name and size: read it back, not patched.
    expect(f.finals).toEqual([]);
    expect(f.onStale).toHaveBeenCalledTimes(1);
  });

  it('streams reasoning above the live text, and hands it over with the final message', async () => {
    const browser = installBrowser({ manualFrames: true });
    const stream = sseStream();
    fakeFetch(route('GET', streamUrl('r4'), (call) => stream.response(call)));
    const f = follower();
    const hook = await renderHook(f.hook);
    await run(() => hook.current().attach('r4', 'm4', ''));
    stream.event({ type: 'data-run', data: { kind: 'reply' } });
    stream.event({ type: 'reasoning-start', id: 'r' });
    stream.event({ type: 'reasoning-delta', id: 'r', delta: 'Let me ' });
    await settle();
    await browser.runFrames();
    const reply = message('m4', { role: 'assistant', content: '' });
    // Thinking, nothing answered yet: the reasoning shows on its own.
    expect(withLiveReply([reply], hook.current().live)[0]).toMatchObject({
      content: '',
      status: 'streaming',
      parts: [{ type: 'reasoning', text: 'Let me ' }],
    });
    stream.event({ type: 'reasoning-delta', id: 'r', delta: 'think.' });
    stream.event({ type: 'reasoning-end', id: 'r' });
    stream.event(delta('Four.'));
    await settle();
    await browser.runFrames();
    expect(hook.current().live).toMatchObject({ reasoning: 'Let me think.', text: 'Four.' });
    expect(withLiveReply([reply], hook.current().live)[0]?.parts).toEqual([
      { type: 'reasoning', text: 'Let me think.' },
    ]);
    stream.event({ type: 'finish', finishReason: 'stop', messageMetadata: { status: 'complete' } });
    stream.done();
    await settle();
    await browser.runFrames();
    // The final parts are the stored reply's: reasoning, then the text (no read-back needed).
    expect(f.finals[0]?.patch).toMatchObject({
      content: 'Four.',
      status: 'complete',
      parts: [
        { type: 'reasoning', text: 'Let me think.' },
        { type: 'text', text: 'Four.' },
      ],
    });
    expect(f.onStale).not.toHaveBeenCalled();
  });

  it('keeps a message’s stored reasoning while a run without any streams', () => {
    const stored = message('m5', {
      role: 'assistant',
      content: 'Once',
      parts: [
        { type: 'reasoning', text: 'Earlier thoughts.' },
        { type: 'text', text: 'Once' },
      ],
    });
    const live = {
      runId: 'r5',
      messageId: 'm5',
      text: ' more',
      prefix: 'Once',
      prefixKnown: true,
      connection: 'open' as const,
      status: null,
      errorText: null,
      finishReason: null,
      files: [],
      reasoning: '',
      kind: 'continue' as const,
      streamed: NO_PARTS,
      waiting: { since: 0, retry: null },
    };
    expect(withLiveReply([stored], live)[0]).toMatchObject({ content: 'Once more', parts: stored.parts });
  });

  it('keeps a continuation’s stored text across a reload, and forgets it at the end', async () => {
    installBrowser();
    localStorage.setItem(prefixKey('r2'), 'Once upon');
    const stream = sseStream();
    fakeFetch(route('GET', streamUrl('r2'), (call) => stream.response(call)));
    const f = follower();
    const hook = await renderHook(f.hook);
    // Resumed after a reload: the caller does not know the message's earlier text, the tab does.
    await run(() => hook.current().attach('r2', 'm2'));
    stream.event({ type: 'data-run', data: { kind: 'continue' } });
    stream.event(delta(' a time'));
    await settle();
    const live = hook.current().live;
    expect(live?.prefixKnown).toBe(true);
    const shown = withLiveReply([message('m2', { role: 'assistant', content: 'Once upon' })], live);
    expect(shown[0]).toMatchObject({ content: 'Once upon a time', status: 'streaming' });
    stream.event({ type: 'error', errorText: 'The model is overloaded.' });
    stream.event({ type: 'finish', messageMetadata: { status: 'error' } });
    stream.done();
    await settle();
    expect(f.finals[0]?.patch).toMatchObject({
      content: 'Once upon a time',
      status: 'error',
      error: 'The model is overloaded.',
    });
    expect(hook.current().announce).toBe('The reply failed.');
    expect(localStorage.getItem(prefixKey('r2'))).toBeNull();
  });

  it('shows the stored text of a continuation started elsewhere, and reloads when the run ends', async () => {
    installBrowser();
    const stream = sseStream();
    fakeFetch(route('GET', streamUrl('r3'), (call) => stream.response(call)));
    const f = follower();
    const hook = await renderHook(f.hook);
    await run(() => hook.current().attach('r3', 'm2'));
    stream.event({ type: 'data-run', data: { kind: 'continue' } });
    stream.event(delta(' more'));
    await settle();
    const shown = withLiveReply([message('m2', { content: 'stored so far' })], hook.current().live);
    expect(shown[0]?.content).toBe('stored so far');
    stream.event({ type: 'finish', messageMetadata: { status: 'stopped' } });
    stream.done();
    await settle();
    // Its full text is only in the store.
    expect(f.finals).toEqual([]);
    expect(f.onStale).toHaveBeenCalledTimes(1);
    expect(hook.current().announce).toBe('Reply stopped.');
  });

  it('reloads when the server no longer has the run (204)', async () => {
    installBrowser();
    fakeFetch(route('GET', streamUrl('r4'), () => new Response(null, { status: 204 })));
    const f = follower();
    const hook = await renderHook(f.hook);
    await run(() => hook.current().attach('r4', 'm2', ''));
    expect(f.onStale).toHaveBeenCalledTimes(1);
    expect(f.finals).toEqual([]);
    expect(hook.current().live).toBeNull();
  });

  it('says it is reconnecting after a drop and resumes after the last event', async () => {
    installBrowser();
    const first = sseStream();
    // The server resumes after the last id the page saw.
    const second = sseStream(2);
    const streams = [first, second];
    const net = fakeFetch(
      route('GET', streamUrl('r5'), (call) => (streams.shift() ?? second).response(call)),
    );
    const f = follower();
    const hook = await renderHook(f.hook);
    await run(() => hook.current().attach('r5', 'm2', ''));
    first.event(delta('a'));
    first.event(delta('b'));
    first.drop();
    await settle();
    expect(hook.current().live?.connection).toBe('reconnecting');
    await settle(400);
    expect(net.calls.map((c) => c.lastEventId)).toEqual([null, '2']);
    second.event(delta('c'));
    await settle();
    expect(hook.current().live).toMatchObject({ text: 'abc', connection: 'open' });
  });

  it('follows one run at a time, and stops reading when the page goes away', async () => {
    installBrowser();
    const one = sseStream();
    const two = sseStream();
    fakeFetch(
      route('GET', streamUrl('r6'), (call) => one.response(call)),
      route('GET', streamUrl('r7'), (call) => two.response(call)),
    );
    const f = follower();
    const hook = await renderHook(f.hook);
    await run(() => hook.current().attach('r6', 'm2', ''));
    await run(() => hook.current().attach('r7', 'm3', ''));
    two.event(delta('second'));
    await settle();
    expect(hook.current().live).toMatchObject({ runId: 'r7', text: 'second' });
    expect(hook.current().currentRunId()).toBe('r7');
    await hook.unmount();
    two.event(delta(' ignored'));
    two.done();
    await settle();
    // Aborted: no final message, no reload.
    expect(f.finals).toEqual([]);
    expect(f.onStale).not.toHaveBeenCalled();
  });
});
