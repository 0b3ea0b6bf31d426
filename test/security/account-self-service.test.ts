import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '../helpers/clients.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Account self-service from the attacker's side: another user's token, a forged cross-site
 * request, an API token trying to delete its account or raise its own budget, a stolen session
 * guessing the password, and open streams that must end with the account.
 */

const PASSWORD = 'correct horse battery';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function start(): Promise<TestApp> {
  t = await createTestApp({ env: { AUTH_MODE: 'local' } });
  return t;
}

async function users(app: TestApp['app']) {
  const admin = new Client(app);
  await admin.signup('root-admin');
  const alice = new Client(app);
  await alice.signup('alice');
  const mallory = new Client(app);
  await mallory.signup('mallory');
  return { admin, alice, mallory };
}

async function budgetOf(owner: Client, id: string) {
  const items = (await owner.request('GET', '/api/tokens')).json().items as {
    id: string;
    dailyTokenBudget: number | null;
  }[];
  return items.find((item) => item.id === id)?.dailyTokenBudget;
}

describe('account self-service attacks', () => {
  it('anonymous callers get 401 on every self-service route', async () => {
    const { app } = await start();
    await users(app);
    const anonymous = new Client(app);
    expect((await anonymous.request('PATCH', '/api/auth/me', { displayName: 'x' })).statusCode).toBe(401);
    expect((await anonymous.request('DELETE', '/api/auth/me', { password: PASSWORD })).statusCode).toBe(401);
    expect(
      (await anonymous.request('PATCH', '/api/tokens/anything', { dailyTokenBudget: 5 })).statusCode,
    ).toBe(401);
  });

  it('another user’s token id in PATCH /api/tokens/:id is a 404 and its budget stays', async () => {
    const { app } = await start();
    const { alice, mallory, admin } = await users(app);
    const token = (await alice.request('POST', '/api/tokens', { name: 'ci', dailyTokenBudget: 100 })).json();
    for (const intruder of [mallory, admin]) {
      const res = await intruder.request('PATCH', `/api/tokens/${token.id}`, { dailyTokenBudget: null });
      expect(res.statusCode).toBe(404);
      expect(res.body).not.toContain(token.prefix);
    }
    expect(await budgetOf(alice, token.id)).toBe(100);
  });

  it('a write without the CSRF token (a forged cross-site request) changes nothing', async () => {
    const { app } = await start();
    const { alice } = await users(app);
    const token = (await alice.request('POST', '/api/tokens', { name: 'ci', dailyTokenBudget: 100 })).json();
    const forged = { 'x-csrf-token': '' };
    const attempts = [
      await alice.request('DELETE', '/api/auth/me', { password: PASSWORD }, forged),
      await alice.request('PATCH', '/api/auth/me', { displayName: 'pwned' }, forged),
      await alice.request('PATCH', `/api/tokens/${token.id}`, { dailyTokenBudget: null }, forged),
    ];
    for (const res of attempts) {
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('csrf_failed');
    }
    const me = (await alice.request('GET', '/api/auth/me')).json();
    expect(me.user.displayName).toBe('alice');
    expect(await budgetOf(alice, token.id)).toBe(100);
  });

  it('an API token cannot delete its account, change budgets or mint an unbudgeted token (403)', async () => {
    const { app } = await start();
    const { alice } = await users(app);
    const created = (
      await alice.request('POST', '/api/tokens', { name: 'ci', dailyTokenBudget: 100 })
    ).json();
    const script = new Client(app);
    script.bearer = created.token;
    const attempts = [
      await script.request('DELETE', '/api/auth/me', { password: PASSWORD }),
      await script.request('PATCH', `/api/tokens/${created.id}`, { dailyTokenBudget: 1_000_000 }),
      await script.request('PATCH', `/api/tokens/${created.id}`, { dailyTokenBudget: null }),
      await script.request('POST', '/api/tokens', { name: 'escape' }),
      await script.request('POST', '/api/tokens', { name: 'escape', dailyTokenBudget: 1_000_000 }),
    ];
    for (const res of attempts) {
      expect(res.statusCode, res.body).toBe(403);
      expect(res.json().code).toBe('forbidden');
    }
    expect(await budgetOf(alice, created.id)).toBe(100);
    expect((await alice.request('GET', '/api/tokens')).json().items).toHaveLength(1);
    expect((await alice.request('GET', '/api/auth/me')).statusCode).toBe(200);
  });

  it('a stolen session guessing the password is throttled, and deletes nothing', async () => {
    const { app } = await start();
    const { alice } = await users(app);
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) {
      codes.push(
        (await alice.request('DELETE', '/api/auth/me', { password: `guess number ${i}` })).statusCode,
      );
    }
    expect(codes.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(codes.at(-1)).toBe(429);
    expect((await alice.request('GET', '/api/conversations')).statusCode).toBe(200);
  });

  it('deleting the account ends its open event streams at once', async () => {
    const { app } = await start();
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    if (!address || typeof address === 'string') throw new Error('no address');
    const { alice } = await users(app);
    const elsewhere = new Client(app);
    await elsewhere.login('alice');
    const res = await fetch(`http://127.0.0.1:${address.port}/api/events`, {
      headers: { cookie: elsewhere.cookie as string },
    });
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const ended = async () => {
      for (;;) if ((await reader.read()).done) return true;
    };
    expect((await alice.request('DELETE', '/api/auth/me', { password: PASSWORD })).statusCode).toBe(204);
    const timeout = new Promise((resolve) => setTimeout(() => resolve(false), 5_000));
    expect(await Promise.race([ended(), timeout])).toBe(true);
  });
});
