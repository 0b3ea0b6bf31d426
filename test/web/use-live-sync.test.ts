import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Conversation } from '../../src/web/api.js';
import { startLiveEvents, stopLiveEvents } from '../../src/web/events.js';
import { type LiveSyncOptions, useLiveSync } from '../../src/web/hooks/use-live-sync.js';
import {
  conversation,
  FakeEventSource,
  fakeFetch,
  installBrowser,
  json,
  renderHook,
  route,
  settle,
} from './hook-harness.js';

// Another tab or device acts on the conversation on screen: its live events reach the page.

afterEach(() => {
  stopLiveEvents();
  vi.unstubAllGlobals();
});

function sync(conversationId: string, state: { runId: string | null; starting: boolean }) {
  const log: string[] = [];
  const shown: Conversation[] = [];
  const options: LiveSyncOptions = {
    setConversation: (c) => shown.push(c),
    reloadNewest: async () => {
      log.push('reload');
    },
    showNewest: () => log.push('show newest'),
    attach: (runId, messageId) => {
      log.push(`attach ${runId} ${messageId}`);
      state.runId = runId;
    },
    currentRunId: () => state.runId,
    isStarting: () => state.starting,
  };
  return { log, shown, hook: () => useLiveSync(conversationId, options) };
}

async function connected() {
  installBrowser();
  startLiveEvents();
  const source = FakeEventSource.last;
  if (!source) throw new Error('no live events connection');
  return source;
}

describe('useLiveSync', () => {
  it('follows a run another tab starts here, on the newest branch, and ignores our own', async () => {
    const source = await connected();
    const state = { runId: null as string | null, starting: false };
    const s = sync('c1', state);
    await renderHook(s.hook);
    source.emit({ type: 'run.started', conversationId: 'c2', runId: 'rx', messageId: 'mx' });
    state.starting = true;
    source.emit({ type: 'run.started', conversationId: 'c1', runId: 'r0', messageId: 'm0' });
    await settle();
    expect(s.log).toEqual([]);
    state.starting = false;
    source.emit({ type: 'run.started', conversationId: 'c1', runId: 'r1', messageId: 'm2' });
    await settle();
    expect(s.log).toEqual(['reload', 'show newest', 'attach r1 m2']);
    // Already followed: the same event again changes nothing.
    source.emit({ type: 'run.started', conversationId: 'c1', runId: 'r1', messageId: 'm2' });
    await settle();
    expect(s.log).toHaveLength(3);
  });

  it('reloads when a run it did not follow finishes, and shows this conversation’s updates only', async () => {
    const source = await connected();
    const state = { runId: null as string | null, starting: false };
    const s = sync('c1', state);
    await renderHook(s.hook);
    source.emit({
      type: 'run.finished',
      conversationId: 'c1',
      runId: 'r1',
      messageId: 'm2',
      status: 'complete',
    });
    source.emit({ type: 'conversation.updated', conversation: conversation('c2', { title: 'Other' }) });
    source.emit({ type: 'conversation.updated', conversation: conversation('c1', { title: 'Renamed' }) });
    await settle();
    expect(s.log).toEqual(['reload']);
    expect(s.shown.map((c) => c.title)).toEqual(['Renamed']);
    // While following a run, its own end is handled by the stream.
    state.runId = 'r2';
    source.emit({
      type: 'run.finished',
      conversationId: 'c1',
      runId: 'r2',
      messageId: 'm3',
      status: 'complete',
    });
    await settle();
    expect(s.log).toEqual(['reload']);
  });

  it('catches up after the events connection comes back: the conversation, the newest page, its live run', async () => {
    const source = await connected();
    const net = fakeFetch(
      route('GET', '/api/conversations/c1', () =>
        json(conversation('c1', { title: 'Now', activeRun: { id: 'r9', messageId: 'm9' } })),
      ),
    );
    const state = { runId: null as string | null, starting: false };
    const s = sync('c1', state);
    const hook = await renderHook(s.hook);
    source.emit({ type: 'ready' });
    await settle();
    expect(net.requests()).toEqual(['GET /api/conversations/c1']);
    expect(s.shown.map((c) => c.title)).toEqual(['Now']);
    expect(s.log).toEqual(['reload', 'attach r9 m9']);
    // Following r9 now: a later `ready` has nothing to catch up.
    source.emit({ type: 'ready' });
    await settle();
    expect(net.calls).toHaveLength(1);
    // Gone from the page: no more reactions.
    await hook.unmount();
    state.runId = null;
    source.emit({ type: 'ready' });
    await settle();
    expect(net.calls).toHaveLength(1);
  });
});
