import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMcpFile } from '../../src/server/tools/mcp-file.js';
import type { MessageDto } from '../../src/shared/api-schemas.js';
import { Client } from '../helpers/clients.js';
import { EVERYTHING_SERVER } from '../helpers/mcp-servers.js';
import { parseSse, partsOf } from '../helpers/sse.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

// Tools from the attacker's side: another user answering someone's approval, a user enabling a
// server limited to admins, a user demoted while a call waits, a cross-site form post.

const yaml = `servers:
  - name: everything
    transport: stdio
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(EVERYTHING_SERVER)}, stdio]
    requireApproval: [get-sum]
  - name: admins
    transport: stdio
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(EVERYTHING_SERVER)}, stdio]
    roles: [admin]
`;

let t: TestApp;
let alice: Client;
let bob: Client;

async function waitReady(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const body = (await alice.request('GET', '/api/tools')).json() as { servers: { state: string }[] };
    if (body.servers.length === 2 && body.servers.every((server) => server.state === 'ready')) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('tool servers not ready');
}

async function waitingCall(who: Client, tools: string[], content: string) {
  const conversation = (await who.request('POST', '/api/conversations', { tools })).json() as { id: string };
  const sent = await who.request(
    'POST',
    `/api/conversations/${conversation.id}/messages`,
    { content },
    {
      accept: 'text/event-stream',
    },
  );
  const request = partsOf(parseSse(sent.body)).find((part) => part.type === 'tool-approval-request');
  if (!request) throw new Error(`no approval request: ${sent.body.slice(0, 500)}`);
  return { conversationId: conversation.id, toolCallId: request.toolCallId as string };
}

async function replyOf(who: Client, conversationId: string): Promise<MessageDto> {
  const items = (await who.request('GET', `/api/conversations/${conversationId}/messages`)).json()
    .items as MessageDto[];
  return items.filter((m) => m.role === 'assistant').at(-1) as MessageDto;
}

async function settled(who: Client, conversationId: string): Promise<MessageDto> {
  for (let i = 0; i < 400; i++) {
    const reply = await replyOf(who, conversationId);
    if (reply.status !== 'streaming') return reply;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('never settled');
}

beforeAll(async () => {
  t = await createTestApp({
    env: { AUTH_MODE: 'local' },
    mcpServers: parseMcpFile(yaml, 'mcp.yaml', {}),
  });
  alice = new Client(t.app);
  bob = new Client(t.app);
  await alice.signup('alice'); // the first account: admin
  await bob.signup('bob');
  await waitReady();
}, 60_000);
afterAll(async () => {
  await t?.close();
});

describe('tool approvals and tool access, attacked', () => {
  it("another user cannot answer someone's waiting call, nor can an anonymous caller", async () => {
    const { conversationId, toolCallId } = await waitingCall(
      alice,
      ['everything/get-sum'],
      'use get-sum with {"a":1,"b":2}',
    );
    const before = await replyOf(alice, conversationId);
    const asBob = await bob.request('POST', `/api/conversations/${conversationId}/approvals`, {
      toolCallId,
      approved: true,
    });
    expect(asBob.statusCode).toBe(404);
    expect(asBob.body).not.toContain(toolCallId);
    const anonymous = await new Client(t.app).request(
      'POST',
      `/api/conversations/${conversationId}/approvals`,
      {
        toolCallId,
        approved: true,
      },
    );
    expect(anonymous.statusCode).toBe(401);
    // A cross-site form post rides on the cookie but cannot send the CSRF header.
    const crossSite = await t.app.inject({
      method: 'POST',
      url: `/api/conversations/${conversationId}/approvals`,
      headers: { cookie: alice.cookie as string },
      payload: { toolCallId, approved: true },
    });
    expect(crossSite.statusCode).toBe(403);
    expect(await replyOf(alice, conversationId)).toEqual(before);
  });

  it('a user cannot enable tools of a server limited to admins, nor see it', async () => {
    const servers = (await bob.request('GET', '/api/tools')).json().servers as { name: string }[];
    expect(servers.map((server) => server.name)).toEqual(['everything']);
    const refused = await bob.request('POST', '/api/conversations', { tools: ['admins/echo'] });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ code: 'unknown_tool' });
  });

  it('a user demoted while a call waits does not get it run when they approve it', async () => {
    const { conversationId, toolCallId } = await waitingCall(
      alice,
      ['admins/get-sum'],
      'use admins/get-sum with {"a":100,"b":1}',
    );
    // Bob becomes an admin, then demotes Alice (the last-admin rule holds: Bob stays one).
    await t.store.db
      .updateTable('users')
      .set({ role: 'admin' })
      .where('id', '=', bob.userId as string)
      .execute();
    const demoted = await bob.request('PATCH', `/api/admin/users/${alice.userId}`, { role: 'user' });
    expect(demoted.statusCode).toBe(200);
    const answer = await alice.request('POST', `/api/conversations/${conversationId}/approvals`, {
      toolCallId,
      approved: true,
    });
    expect(answer.statusCode).toBe(200);
    const reply = await settled(alice, conversationId);
    expect(reply.parts[0]).toMatchObject({
      state: 'output-error',
      errorText: 'The tool "admins/get-sum" is no longer available in this conversation.',
    });
    expect(reply.content).not.toContain('101');
  });
});
