// Prepare a Parley SQLite file for the benchmark, before the server starts, through Parley's own
// store façade (dist/): migrations, the built-in users, then
//   --conversations N   N empty conversations of the local user (one per concurrent stream), and
//   --history M         a default conversation (the one /chat/history shows) holding M messages,
//                       alternating user / demo-model reply, each the child of the one before.
// Prints one JSON line: {"conversationIds": [...], "historyConversationId": "..."}.
// Usage: node bench/setup-db.mjs <sqlite file> [--conversations N] [--history M]
import { demoReply } from '../dist/server/ai/demo-model.js';
import { ensureBuiltinUsers, LOCAL_USER_ID } from '../dist/server/auth/builtin-users.js';
import { newId } from '../dist/server/ids.js';
import { openStore } from '../dist/server/store/database.js';

const [file, ...rest] = process.argv.slice(2);
if (!file) throw new Error('usage: setup-db.mjs <sqlite file> [--conversations N] [--history M]');
const option = (name) => {
  const i = rest.indexOf(name);
  return i === -1 ? 0 : Number(rest[i + 1]);
};
const conversations = option('--conversations');
const history = option('--history');

const store = await openStore(`sqlite:${file}`);
const start = Date.parse('2026-01-01T00:00:00.000Z');
await ensureBuiltinUsers(store.repos, new Date(start).toISOString());

const conversationIds = [];
await store.transaction(async (tx) => {
  for (let i = 0; i < conversations; i++) {
    const at = new Date(start + i).toISOString();
    const id = newId();
    await tx.conversations.insertConversation({
      id,
      user_id: LOCAL_USER_ID,
      title: `Stream ${i}`,
      model: 'demo',
      system_prompt: null,
      is_default: 0,
      created_at: at,
      updated_at: at,
    });
    conversationIds.push(id);
  }
});

let historyConversationId = null;
if (history > 0) {
  historyConversationId = newId();
  const first = new Date(start).toISOString();
  await store.transaction(async (tx) => {
    await tx.conversations.insertConversation({
      id: historyConversationId,
      user_id: LOCAL_USER_ID,
      title: 'Chat',
      model: 'demo',
      system_prompt: null,
      is_default: 1,
      created_at: first,
      updated_at: first,
    });
    let parentId = null;
    let question = '';
    for (let i = 0; i < history; i++) {
      // A second apart: created_at and the time-ordered ids both follow the conversation's order.
      const at = new Date(start + i * 1000).toISOString();
      const user = i % 2 === 0;
      if (user) question = `Question number ${i / 2} about the long history benchmark`;
      const id = newId();
      await tx.messages.insertMessage({
        id,
        conversation_id: historyConversationId,
        user_id: LOCAL_USER_ID,
        parent_id: parentId,
        role: user ? 'user' : 'assistant',
        content: user ? question : demoReply(question),
        status: 'complete',
        model: user ? null : 'demo',
        created_at: at,
        updated_at: at,
      });
      parentId = id;
    }
  });
}

await store.close();
process.stdout.write(`${JSON.stringify({ conversationIds, historyConversationId })}\n`);
