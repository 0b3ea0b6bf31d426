import { afterEach, describe, expect, it } from 'vitest';
import { Client } from './helpers/clients.js';
import { storeTargets } from './helpers/databases.js';
import { multipartFile } from './helpers/multipart.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

/**
 * Account self-service as its user sees it: the display name, a daily budget per API token
 * (counted from the runs and /v1 calls made with that token), and "delete my account" with
 * everything in it, on SQLite and PostgreSQL.
 */

const PASSWORD = 'correct horse battery';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function start(env: Record<string, string> = {}): Promise<TestApp> {
  const t = await createTestApp({ env: { AUTH_MODE: 'local', ...env } });
  cleanup.push(() => t.close());
  return t;
}

/** A client acting with an API token of `owner`'s (created with `body`). */
async function tokenClient(owner: Client, body: object): Promise<{ client: Client; id: string }> {
  const res = await owner.request('POST', '/api/tokens', { name: 'script', ...body });
  expect(res.statusCode, res.body).toBe(201);
  const client = new Client(owner.app);
  client.bearer = res.json().token;
  return { client, id: res.json().id };
}

/** Send a message and wait until its reply is written; returns the answer to the POST. */
async function send(t: TestApp, client: Client, conversationId: string, content = 'spend a few tokens') {
  const res = await client.request('POST', `/api/conversations/${conversationId}/messages`, { content });
  if (res.statusCode === 202) await t.app.parley.runs.get(res.json().runId)?.done;
  return res;
}

const chat = (client: Client) =>
  client.request('POST', '/v1/chat/completions', {
    model: 'demo',
    messages: [{ role: 'user', content: 'hello there' }],
  });

async function tokensOf(client: Client) {
  const res = await client.request('GET', '/api/tokens');
  expect(res.statusCode).toBe(200);
  return res.json().items as { id: string; dailyTokenBudget: number | null; usedToday: number }[];
}

async function countFor(
  t: TestApp,
  table: 'conversations' | 'files' | 'api_tokens' | 'sessions',
  userId: string,
) {
  const row = await t.store.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe.each(storeTargets())('account self-service on $name', (target) => {
  async function startOn(env: Record<string, string> = {}) {
    const db = await target.create();
    cleanup.push(() => db.drop());
    return start({ DATABASE_URL: db.url, ...env });
  }

  it('a changed display name shows in /me; an empty or too long one is refused and changes nothing', async () => {
    const t = await startOn();
    const alice = new Client(t.app);
    await alice.signup('alice');
    const changed = await alice.request('PATCH', '/api/auth/me', { displayName: '  Alice Liddell  ' });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json().user.displayName).toBe('Alice Liddell');
    for (const displayName of ['   ', '', 'x'.repeat(101)]) {
      const bad = await alice.request('PATCH', '/api/auth/me', { displayName });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().code).toBeTruthy();
    }
    const me = (await alice.request('GET', '/api/auth/me')).json();
    expect(me.user.displayName).toBe('Alice Liddell');
    expect(me.hasPassword).toBe(true);
  });

  it('a token’s daily budget refuses its runs and /v1 calls once used today; the session and other tokens go on', async () => {
    const t = await startOn();
    const alice = new Client(t.app);
    await alice.signup('alice');
    const { id: conversationId } = (await alice.request('POST', '/api/conversations', {})).json();

    // A budget smaller than one demo reply: the first run is admitted, the next refused.
    const budgeted = await tokenClient(alice, { dailyTokenBudget: 5 });
    expect((await send(t, budgeted.client, conversationId)).statusCode).toBe(202);
    const listed = (await tokensOf(alice)).find((token) => token.id === budgeted.id);
    expect(listed?.dailyTokenBudget).toBe(5);
    expect(listed?.usedToday).toBeGreaterThanOrEqual(5);

    const refused = await send(t, budgeted.client, conversationId);
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ code: 'quota_exceeded' });
    expect(refused.json().error).toContain('This API token has used its 5 tokens for today');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    const refusedChat = await chat(budgeted.client);
    expect(refusedChat.statusCode).toBe(429);
    // The session (no token) is not held to the token's budget, nor is another token.
    expect((await send(t, alice, conversationId)).statusCode).toBe(202);
    const other = await tokenClient(alice, {});
    expect((await chat(other.client)).statusCode).toBe(200);

    // Raised, then cleared: the token works again.
    const raised = await alice.request('PATCH', `/api/tokens/${budgeted.id}`, {
      dailyTokenBudget: 1_000_000,
    });
    expect(raised.statusCode, raised.body).toBe(200);
    expect(raised.json()).toMatchObject({ id: budgeted.id, dailyTokenBudget: 1_000_000 });
    expect(raised.json().usedToday).toBeGreaterThanOrEqual(5);
    expect((await chat(budgeted.client)).statusCode).toBe(200);
    const lowered = await alice.request('PATCH', `/api/tokens/${budgeted.id}`, { dailyTokenBudget: 1 });
    expect(lowered.json().dailyTokenBudget).toBe(1);
    expect((await chat(budgeted.client)).statusCode).toBe(429);
    const cleared = await alice.request('PATCH', `/api/tokens/${budgeted.id}`, { dailyTokenBudget: null });
    expect(cleared.json().dailyTokenBudget).toBeNull();
    expect((await send(t, budgeted.client, conversationId)).statusCode).toBe(202);

    // A /v1-only token: its completions count against its own budget.
    const v1 = await tokenClient(alice, { dailyTokenBudget: 3 });
    expect((await chat(v1.client)).statusCode).toBe(200);
    expect((await chat(v1.client)).statusCode).toBe(429);
    expect((await tokensOf(alice)).find((token) => token.id === v1.id)?.usedToday).toBeGreaterThanOrEqual(3);

    // Bad budgets change nothing.
    for (const dailyTokenBudget of [0, -5, 1.5, 'lots']) {
      const bad = await alice.request('PATCH', `/api/tokens/${v1.id}`, { dailyTokenBudget });
      expect(bad.statusCode).toBe(400);
    }
    expect((await alice.request('POST', '/api/tokens', { name: 'x', dailyTokenBudget: 0 })).statusCode).toBe(
      400,
    );
    expect((await tokensOf(alice)).find((token) => token.id === v1.id)?.dailyTokenBudget).toBe(3);
  });

  it('deleting my account removes its conversations, files, tokens and sessions; the name can sign up again', async () => {
    const t = await startOn();
    const admin = new Client(t.app);
    await admin.signup('root-admin');
    const bob = new Client(t.app);
    await bob.signup('bob');
    const bobId = bob.userId as string;
    const otherSession = new Client(t.app);
    await otherSession.login('bob');
    const { id: conversationId } = (await bob.request('POST', '/api/conversations', {})).json();
    expect((await send(t, bob, conversationId)).statusCode).toBe(202);
    const upload = multipartFile(Buffer.from('bob’s private notes'), 'notes.txt', {
      contentType: 'text/plain',
    });
    const file = await bob.request('POST', '/api/files', upload.payload, upload.headers);
    expect(file.statusCode, file.body).toBe(201);
    const blobKey = (
      await t.store.db
        .selectFrom('files')
        .select('blob_key')
        .where('id', '=', file.json().id)
        .executeTakeFirstOrThrow()
    ).blob_key;
    const token = await tokenClient(bob, {});

    // A wrong password deletes nothing.
    const wrong = await bob.request('DELETE', '/api/auth/me', { password: 'not my password' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().code).toBe('invalid_credentials');
    expect(await countFor(t, 'conversations', bobId)).toBeGreaterThan(0);
    expect((await bob.request('GET', '/api/auth/me')).statusCode).toBe(200);

    const deleted = await bob.request('DELETE', '/api/auth/me', { password: PASSWORD });
    expect(deleted.statusCode, deleted.body).toBe(204);
    expect(String(deleted.headers['set-cookie'])).toMatch(/parley_session=;/);
    for (const table of ['conversations', 'files', 'api_tokens', 'sessions'] as const) {
      expect(await countFor(t, table, bobId), table).toBe(0);
    }
    // The file's bytes go too (the sweeper, kicked by the deletion).
    await expect
      .poll(
        async () =>
          (await t.store.db.selectFrom('file_blobs').select('key').where('key', '=', blobKey).execute())
            .length,
      )
      .toBe(0);
    for (const client of [bob, otherSession, token.client]) {
      expect((await client.request('GET', '/api/conversations')).statusCode).toBe(401);
    }
    // The admin's audit log names who went.
    const audit = (await admin.request('GET', '/api/admin/audit?type=account-deleted')).json().items;
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorId: bobId, detail: { username: 'bob' } });
    // The name is free again: a new account, with nothing of the old one.
    const again = new Client(t.app);
    await again.signup('bob');
    expect(again.userId).not.toBe(bobId);
    expect((await again.request('GET', '/api/conversations')).json().items).toEqual([]);
  });

  it('the last admin cannot delete their account (409) until someone else is admin', async () => {
    const t = await startOn();
    const admin = new Client(t.app);
    await admin.signup('root-admin');
    const bob = new Client(t.app);
    await bob.signup('bob');
    const refused = await admin.request('DELETE', '/api/auth/me', { password: PASSWORD });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().code).toBe('conflict');
    expect((await admin.request('GET', '/api/auth/me')).statusCode).toBe(200);
    expect(
      (await admin.request('PATCH', `/api/admin/users/${bob.userId}`, { role: 'admin' })).statusCode,
    ).toBe(200);
    expect((await admin.request('DELETE', '/api/auth/me', { password: PASSWORD })).statusCode).toBe(204);
    expect((await bob.request('GET', '/api/admin/users')).statusCode).toBe(200);
  });

  it('two admins removing themselves or each other at the same moment leave one admin', async () => {
    const t = await startOn();
    const first = new Client(t.app);
    await first.signup('root-admin');
    const second = new Client(t.app);
    await second.signup('second');
    const promote = (who: Client) =>
      first.request('PATCH', `/api/admin/users/${who.userId}`, { role: 'admin' });
    expect((await promote(second)).statusCode).toBe(200);
    const admins = async () =>
      (await t.store.db.selectFrom('users').select('id').where('role', '=', 'admin').execute()).length;

    // Each demotes the other: one wins. The loser is refused either as the last admin (409, when
    // both requests got past sign-in first) or as no longer an admin (403, when the winner's
    // change landed before the loser's request was authorised). Never both demoted.
    const crossed = await Promise.all([
      first.request('PATCH', `/api/admin/users/${second.userId}`, { role: 'user' }),
      second.request('PATCH', `/api/admin/users/${first.userId}`, { role: 'user' }),
    ]);
    const codes = crossed.map((r) => [r.statusCode, r.json()?.code ?? null]).sort();
    expect(codes[0]).toEqual([200, null]);
    expect([
      [403, 'forbidden'],
      [409, 'conflict'],
    ]).toContainEqual(codes[1]);
    expect(await admins()).toBe(1);

    // Both delete their accounts at once (the survivor promoted the other back first).
    const [survivor, other] = crossed[0].statusCode === 200 ? [first, second] : [second, first];
    expect(
      (await survivor.request('PATCH', `/api/admin/users/${other.userId}`, { role: 'admin' })).statusCode,
    ).toBe(200);
    const deleted = await Promise.all([
      first.request('DELETE', '/api/auth/me', { password: PASSWORD }),
      second.request('DELETE', '/api/auth/me', { password: PASSWORD }),
    ]);
    expect(deleted.map((r) => r.statusCode).sort()).toEqual([204, 409]);
    expect(await admins()).toBe(1);
  });

  it('a single sign-on account (no password) confirms by typing its username', async () => {
    const t = await startOn();
    await new Client(t.app).signup('root-admin');
    const carol = new Client(t.app);
    await carol.signup('carol');
    // As sso-sign-in.ts creates them: no password can match.
    await t.store.db
      .updateTable('users')
      .set({ password_hash: '!sso' })
      .where('id', '=', carol.userId as string)
      .execute();
    // What the web app reads to ask for the username instead of a password.
    expect((await carol.request('GET', '/api/auth/me')).json().hasPassword).toBe(false);
    for (const body of [{ password: PASSWORD }, { confirm: 'someone-else' }]) {
      const refused = await carol.request('DELETE', '/api/auth/me', body);
      expect(refused.statusCode).toBe(400);
    }
    expect((await carol.request('GET', '/api/auth/me')).statusCode).toBe(200);
    expect((await carol.request('DELETE', '/api/auth/me', { confirm: 'Carol' })).statusCode).toBe(204);
    expect((await carol.request('GET', '/api/auth/me')).statusCode).toBe(401);
  });
});

describe('built-in users', () => {
  it('AUTH_MODE=none: the local user has no profile to change or account to delete (403)', async () => {
    const t = await createTestApp();
    cleanup.push(() => t.close());
    const local = new Client(t.app);
    expect((await local.request('PATCH', '/api/auth/me', { displayName: 'Me' })).statusCode).toBe(403);
    expect((await local.request('DELETE', '/api/auth/me', { confirm: 'local' })).statusCode).toBe(403);
    expect((await local.request('GET', '/api/auth/me')).json().user.displayName).toBe('Local user');
  });
});
