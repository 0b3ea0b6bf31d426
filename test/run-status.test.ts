import { afterEach, describe, expect, it } from 'vitest';
import { ensureBuiltinUsers, LOCAL_USER_ID } from '../src/server/auth/builtin-users.js';
import { newId } from '../src/server/ids.js';
import {
  checkpointReply,
  claimReplyForContinue,
  finishRunAndReply,
  interruptLostRun,
  openRun,
  REPLY_TRANSITIONS,
  RUN_TRANSITIONS,
  statesLeadingTo,
} from '../src/server/runs/run-status.js';
import { openStore, type Store } from '../src/server/store/database.js';
import type { MessageStatus } from '../src/server/store/schema.js';
import { storeTargets, type TestDatabase } from './helpers/databases.js';

// The reply/run state machine (runs/run-status.ts) against the real databases: every write is a
// guarded transition, so the loser of a race changes nothing.

describe('the transition tables', () => {
  it('let nothing leave a finished run, and stream a reply again only from an ended or waiting one', () => {
    for (const end of ['complete', 'stopped', 'error', 'waiting'] as const) {
      expect(RUN_TRANSITIONS[end]).toEqual([]);
    }
    expect(statesLeadingTo(REPLY_TRANSITIONS, 'streaming').sort()).toEqual([
      'complete',
      'error',
      'interrupted',
      'stopped',
      'waiting',
    ]);
    expect(statesLeadingTo(RUN_TRANSITIONS, 'interrupted')).toEqual(['running']);
  });
});

for (const target of storeTargets()) {
  describe(`reply and run status on ${target.name}`, () => {
    let database: TestDatabase;
    let store: Store;

    afterEach(async () => {
      await store?.close();
      await database?.drop();
    });

    /** A conversation with a question and a reply in `status`, and its run `running`. */
    async function turn(status: MessageStatus = 'streaming', finishReason: string | null = null) {
      database = await target.create();
      store = await openStore(database.url);
      const at = new Date().toISOString();
      await ensureBuiltinUsers(store.repos, at);
      const conversation = await store.repos.conversations.insertConversation({
        id: newId(),
        user_id: LOCAL_USER_ID,
        model: 'demo',
        created_at: at,
        updated_at: at,
      });
      const base = {
        conversation_id: conversation.id,
        user_id: LOCAL_USER_ID,
        created_at: at,
        updated_at: at,
      };
      const question = await store.repos.messages.insertMessage({
        ...base,
        id: newId(),
        parent_id: null,
        role: 'user',
        content: 'question',
        status: 'complete',
      });
      const reply = await store.repos.messages.insertMessage({
        ...base,
        id: newId(),
        parent_id: question.id,
        role: 'assistant',
        content: 'half an ans',
        status,
        finish_reason: finishReason,
      });
      const runId = newId();
      await store.transaction((tx) =>
        openRun(tx, {
          id: runId,
          conversation_id: conversation.id,
          user_id: LOCAL_USER_ID,
          message_id: reply.id,
          kind: 'reply',
          model: 'demo',
          instance_id: 'here',
          started_at: at,
        }),
      );
      return { conversationId: conversation.id, replyId: reply.id, runId };
    }

    const end = (ids: { runId: string; replyId: string }, status: 'complete' | 'error', content: string) =>
      store.transaction((tx) =>
        finishRunAndReply(tx, {
          runId: ids.runId,
          messageId: ids.replyId,
          status,
          lastSeq: 3,
          reply: { content, error: status === 'error' ? 'boom' : null, updated_at: new Date().toISOString() },
          at: new Date().toISOString(),
        }),
      );

    const reply = async (id: string) => store.repos.messages.messageById(id);
    const run = async (id: string) => store.repos.runs.runById(id);

    it('ends a run once: a second ending (an error after complete) changes neither row', async () => {
      const ids = await turn();
      expect(await end(ids, 'complete', 'the whole answer')).toBe(true);
      expect(await end(ids, 'error', 'garbage')).toBe(false);
      expect(await reply(ids.replyId)).toMatchObject({ status: 'complete', content: 'the whole answer' });
      expect(await run(ids.runId)).toMatchObject({ status: 'complete', last_seq: 3 });
    });

    it('lets one reaper claim a lost run, and the run itself still finish late', async () => {
      const ids = await turn();
      const row = await run(ids.runId);
      if (!row) throw new Error('no run');
      const at = new Date().toISOString();
      const claims = await Promise.all([
        interruptLostRun(store.repos, row, at),
        interruptLostRun(store.repos, row, at),
      ]);
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await reply(ids.replyId)).toMatchObject({ status: 'interrupted', content: 'half an ans' });
      // Alive after all (a long pause): its own final write lands, run and reply agree.
      expect(await end(ids, 'complete', 'finished late')).toBe(true);
      expect(await reply(ids.replyId)).toMatchObject({ status: 'complete', content: 'finished late' });
      expect((await run(ids.runId))?.status).toBe('complete');
      expect(await interruptLostRun(store.repos, row, at)).toBe(false);
    });

    it('gives a stopped reply to exactly one of two parallel continues', async () => {
      const ids = await turn('stopped');
      const at = new Date().toISOString();
      const claims = await Promise.allSettled([
        store.transaction((tx) => claimReplyForContinue(tx, LOCAL_USER_ID, ids.replyId, at)),
        store.transaction((tx) => claimReplyForContinue(tx, LOCAL_USER_ID, ids.replyId, at)),
      ]);
      const won = claims.filter((claim) => claim.status === 'fulfilled' && claim.value !== undefined);
      expect(won).toHaveLength(1);
      expect((await reply(ids.replyId))?.status).toBe('streaming');
    });

    it('continues a complete reply only when the length limit cut it off', async () => {
      const done = await turn('complete', 'stop');
      const at = new Date().toISOString();
      expect(
        await store.transaction((tx) => claimReplyForContinue(tx, LOCAL_USER_ID, done.replyId, at)),
      ).toBe(undefined);
      await store.close();
      await database.drop();
      const cut = await turn('complete', 'length');
      const claimed = await store.transaction((tx) =>
        claimReplyForContinue(tx, LOCAL_USER_ID, cut.replyId, at),
      );
      expect(claimed).toMatchObject({ status: 'streaming', content: 'half an ans', finish_reason: null });
    });

    it("refuses another user's claim on a reply", async () => {
      const ids = await turn('stopped');
      const at = new Date().toISOString();
      expect(await store.transaction((tx) => claimReplyForContinue(tx, newId(), ids.replyId, at))).toBe(
        undefined,
      );
      expect((await reply(ids.replyId))?.status).toBe('stopped');
    });

    it('never lets a late checkpoint overwrite the final text', async () => {
      const ids = await turn();
      await store.transaction((tx) =>
        checkpointReply(
          tx,
          ids.replyId,
          { text: 'half an answer, more', parts: null },
          new Date().toISOString(),
        ),
      );
      expect((await reply(ids.replyId))?.content).toBe('half an answer, more');
      await end(ids, 'complete', 'the final text');
      await store.transaction((tx) =>
        checkpointReply(tx, ids.replyId, { text: 'stale', parts: null }, new Date().toISOString()),
      );
      expect(await reply(ids.replyId)).toMatchObject({ status: 'complete', content: 'the final text' });
    });
  });
}
