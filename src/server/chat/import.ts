import {
  ChatGptConversation,
  ChatGptExport,
  type ImportResultDto,
  MAX_IMPORT_CONVERSATIONS,
  MAX_IMPORT_MESSAGES,
  MAX_IMPORT_NODES,
  PARLEY_EXPORT_FORMAT,
  ParleyExport,
  type ParleyExportDto,
} from '../../shared/export-schemas.js';
import type { ModelRegistry } from '../ai/model-registry.js';
import { newId } from '../ids.js';
import type { EventBus } from '../realtime/event-bus.js';
import { insertConversation } from '../store/conversations-repo.js';
import type { Store } from '../store/database.js';
import type { ConversationRow, NewMessage } from '../store/schema.js';
import { insertMessages } from '../store/transfer-repo.js';
import { fromChatGpt } from './chatgpt-format.js';
import {
  checkSchema,
  type ImportedConversation,
  importError,
  isoTime,
  loadSchemaChecker,
} from './import-input.js';
import { orderParentsFirst } from './message-tree.js';
import { conversationDto } from './serialize.js';

/**
 * Import conversations from a file: Parley's own export, or ChatGPT's `conversations.json` (all
 * conversations, or one of them). The whole file is checked before anything is written, then
 * written in one transaction: a bad file leaves no trace. Ids in the file only link messages to
 * their parents; stored rows get new ids.
 */

export interface ImportDeps {
  store: Store;
  models: ModelRegistry;
  bus: EventBus;
}

/** PostgreSQL text cannot hold NUL, and no chat text means one: drop it rather than fail late. */
const withoutNul = (text: string) => text.replaceAll('\u0000', '');
const maybeWithoutNul = (text: string | null) => (text === null ? null : withoutNul(text));

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function fromParley(file: ParleyExportDto, now: string): ImportedConversation {
  const checked = orderParentsFirst(file.messages.map((m) => ({ key: m.id, parentKey: m.parentId })));
  if ('problem' in checked) {
    const { problem } = checked;
    if (problem.kind === 'duplicate') {
      throw importError(`messages[${problem.index}].id`, `repeats messages[${problem.firstIndex}].id`);
    }
    throw importError(
      `messages[${problem.index}].parentId`,
      problem.kind === 'cycle'
        ? 'makes a cycle (a message is its own ancestor)'
        : 'names a message that is not in the file',
    );
  }
  const { conversation } = file;
  const createdAt = isoTime(conversation.createdAt, now);
  return {
    title: conversation.title?.trim() || null,
    model: conversation.model ?? null,
    systemPrompt: conversation.systemPrompt ?? null,
    createdAt,
    updatedAt: isoTime(conversation.updatedAt, createdAt),
    messages: checked.order.map((index) => {
      const m = file.messages[index] as ParleyExportDto['messages'][number];
      return {
        key: m.id,
        parentKey: m.parentId,
        role: m.role,
        content: m.content,
        // Nothing is running for an imported reply: one cut off mid-stream can be continued.
        status: m.status === undefined ? 'complete' : m.status === 'streaming' ? 'interrupted' : m.status,
        model: m.model ?? null,
        inputTokens: m.usage?.inputTokens ?? null,
        outputTokens: m.usage?.outputTokens ?? null,
        finishReason: m.finishReason ?? null,
        createdAt: isoTime(m.createdAt, createdAt),
      };
    }),
  };
}

function countNodes(conversations: unknown[]): number {
  return conversations.reduce<number>(
    (sum, c) => sum + (isObject(c) && isObject(c.mapping) ? Object.keys(c.mapping).length : 0),
    0,
  );
}

/** Check a file and turn it into conversations to write; throws a 400 naming the first problem. */
export function parseImport(body: unknown, now: string): ImportedConversation[] {
  let conversations: ImportedConversation[];
  // Sizes first: a huge file is refused before the schema walks all of it.
  if (Array.isArray(body)) {
    if (body.length === 0) throw importError('the file', 'contains no conversations');
    if (body.length > MAX_IMPORT_CONVERSATIONS) {
      throw importError(
        'the file',
        `has ${body.length} conversations; at most ${MAX_IMPORT_CONVERSATIONS} can be imported at once: split it`,
      );
    }
    if (countNodes(body) > MAX_IMPORT_NODES) {
      throw importError('the file', `has more than ${MAX_IMPORT_NODES} message nodes: split it`);
    }
    checkSchema(ChatGptExport, body, 'conversations');
    conversations = body.map((c, i) => fromChatGpt(c, `conversations[${i}]`, now));
  } else if (isObject(body) && 'mapping' in body) {
    if (countNodes([body]) > MAX_IMPORT_NODES) {
      throw importError('the file', `has more than ${MAX_IMPORT_NODES} message nodes: split it`);
    }
    checkSchema(ChatGptConversation, body, '');
    conversations = [fromChatGpt(body, '', now)];
  } else if (isObject(body) && 'format' in body) {
    if (body.format !== PARLEY_EXPORT_FORMAT) {
      throw importError('format', `must be "${PARLEY_EXPORT_FORMAT}"`);
    }
    if (Array.isArray(body.messages) && body.messages.length > MAX_IMPORT_MESSAGES) {
      throw importError(
        'messages',
        `has ${body.messages.length} items; at most ${MAX_IMPORT_MESSAGES} can be imported`,
      );
    }
    checkSchema(ParleyExport, body, '');
    conversations = [fromParley(body, now)];
  } else {
    throw importError(
      'the file',
      `is neither a Parley export ("format": "${PARLEY_EXPORT_FORMAT}") nor ChatGPT's conversations.json`,
    );
  }
  const total = conversations.reduce((sum, c) => sum + c.messages.length, 0);
  if (total > MAX_IMPORT_MESSAGES) {
    throw importError(
      'the file',
      `has ${total} messages; at most ${MAX_IMPORT_MESSAGES} can be imported at once: split it`,
    );
  }
  return conversations;
}

/** Import a file for `userId`: all of it in one transaction, or (on any problem) nothing. */
export async function importConversations(
  deps: ImportDeps,
  userId: string,
  body: unknown,
): Promise<ImportResultDto> {
  const now = new Date().toISOString();
  await loadSchemaChecker();
  const conversations = parseImport(body, now);
  const written = await deps.store.db.transaction().execute(async (trx) => {
    const rows: { row: ConversationRow; messages: number }[] = [];
    for (const conversation of conversations) {
      const row = await insertConversation(trx, {
        id: newId(),
        user_id: userId,
        title: maybeWithoutNul(conversation.title),
        model:
          conversation.model && deps.models.has(conversation.model)
            ? conversation.model
            : deps.models.defaultModel,
        system_prompt: maybeWithoutNul(conversation.systemPrompt),
        is_default: 0,
        created_at: conversation.createdAt,
        updated_at: conversation.updatedAt,
      });
      // Parents come first, so a parent's new id is known when its children are mapped.
      const ids = new Map<string, string>();
      const messages = conversation.messages.map((m): NewMessage => {
        const id = newId();
        ids.set(m.key, id);
        return {
          id,
          conversation_id: row.id,
          user_id: userId,
          parent_id: m.parentKey === null ? null : (ids.get(m.parentKey) ?? null),
          role: m.role,
          content: withoutNul(m.content),
          status: m.status,
          model: m.model,
          input_tokens: m.inputTokens,
          output_tokens: m.outputTokens,
          finish_reason: m.finishReason,
          error: null,
          created_at: m.createdAt,
          updated_at: m.createdAt,
        };
      });
      await insertMessages(trx, messages);
      rows.push({ row, messages: messages.length });
    }
    return rows;
  });
  for (const { row } of written) {
    deps.bus.publish(userId, { type: 'conversation.created', conversation: conversationDto(row, null) });
  }
  return { imported: written.map(({ row, messages }) => ({ id: row.id, title: row.title, messages })) };
}
