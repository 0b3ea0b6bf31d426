import type { ConversationDto, MessageDto } from '../../shared/api-schemas.js';
import type { ModelRegistry } from '../ai/model-registry.js';
import { type GroupLimits, modelNotAllowed } from '../auth/group-limits.js';
import { AppError, notFound } from '../errors.js';
import { newId } from '../ids.js';
import type { EventBus } from '../realtime/event-bus.js';
import type { ConversationCursor, ConversationFilter } from '../store/conversations-repo.js';
import type { Data } from '../store/repositories.js';
import type { ConversationRow, MessageRow } from '../store/schema.js';
import type { ToolCatalog } from '../tools/tool-catalog.js';
import { type Access, type AccessPolicy, ownerOnly, requireConversation, requireMessage } from './access.js';
import { type ConversationPatch, organisePatch } from './organise-patch.js';
import { conversationDto, messageDto } from './serialize.js';

export interface ChatServiceDeps {
  store: Data;
  /** Stops this instance's runs of a conversation before it is deleted (the run manager's stop). */
  stopRuns: (userId: string, conversationId: string) => Promise<unknown>;
  bus: EventBus;
  models: ModelRegistry;
  /** Who may read or write a conversation (access.ts); owner only when absent. */
  policy?: AccessPolicy;
  /** The tools a conversation may enable (MCP_FILE); none configured: `tools` must be empty. */
  tools?: Pick<ToolCatalog, 'list'>;
  /** The models and tools the user's groups allow (none given: no restriction). */
  groups?: Pick<GroupLimits, 'allowedModels' | 'allowedTools'>;
}

const now = () => new Date().toISOString();

/** What `POST /api/conversations` (and a first message) may set on a new conversation. */
export interface NewConversationInput {
  title?: string;
  model?: string;
  systemPrompt?: string;
  tools?: string[];
  temperature?: number | null;
  maxOutputTokens?: number | null;
}

function encodeCursor(cursor: ConversationCursor): string {
  return Buffer.from(JSON.stringify([cursor.updatedAt, cursor.id, cursor.pinned])).toString('base64url');
}

function decodeCursor(raw: string): ConversationCursor {
  try {
    const [updatedAt, id, pinned = 0] = JSON.parse(
      Buffer.from(raw, 'base64url').toString('utf8'),
    ) as unknown[];
    // A cursor from before pins (two items) continues among the unpinned.
    if (typeof updatedAt === 'string' && typeof id === 'string' && (pinned === 0 || pinned === 1)) {
      return { updatedAt, id, pinned };
    }
  } catch {
    // fall through to the error below
  }
  throw new AppError('validation_error', 'The cursor is not valid: pass nextCursor from a previous page.');
}

/**
 * Conversations and messages. Every conversation, message or run a request names is reached
 * through requireConversation / requireMessage, the one place the access policy (access.ts) is
 * applied; only the list is owner-scoped by design. Starting, stopping and following replies is
 * runs/ (TurnService), which asks this service for access.
 */
export class ChatService {
  constructor(private readonly deps: ChatServiceDeps) {}

  private get repos() {
    return this.deps.store.repos;
  }

  private get policy(): AccessPolicy {
    return this.deps.policy ?? ownerOnly;
  }

  /**
   * A conversation as the API shows it. Its active run is read from the store, not from this
   * process's runs, so every instance reports the run whichever instance streams it.
   */
  private async dto(row: ConversationRow): Promise<ConversationDto> {
    return (await this.dtos([row]))[0] as ConversationDto;
  }

  /** Many conversations (a page of the list) with their active runs, in one query. */
  private async dtos(rows: ConversationRow[]): Promise<ConversationDto[]> {
    const active = await this.repos.runs.activeRunsOf(
      rows.map((row) => row.id),
      now(),
    );
    return rows.map((row) => {
      const run = active.get(row.id);
      return conversationDto(row, run ? { id: run.id, messageId: run.message_id } : null);
    });
  }

  /** A model name the client chose, refused when this server does not offer it. */
  checkModel(model: string | undefined): string | undefined {
    if (model !== undefined && !this.deps.models.has(model)) {
      throw new AppError(
        'unknown_model',
        `Unknown model "${model}". GET /api/models lists the models you can use.`,
      );
    }
    return model;
  }

  /**
   * A model the user chose, also refused (403 `model_not_allowed`) when their groups do not
   * include it; no choice: the server's default, or the first model the groups allow if not that.
   */
  async modelFor(userId: string, model: string | undefined): Promise<string> {
    this.checkModel(model);
    const allowed = (await this.deps.groups?.allowedModels(userId)) ?? null;
    if (model !== undefined) {
      if (allowed && !allowed.has(model)) throw modelNotAllowed(model);
      return model;
    }
    const fallback = this.deps.models.defaultModel;
    if (!allowed || allowed.has(fallback)) return fallback;
    return this.deps.models.list().find((listed) => allowed.has(listed.id))?.id ?? fallback;
  }

  /** A 403 `model_not_allowed` when the user's groups do not include the model. */
  async requireAllowedModel(userId: string, model: string): Promise<void> {
    const allowed = (await this.deps.groups?.allowedModels(userId)) ?? null;
    if (allowed && !allowed.has(model)) throw modelNotAllowed(model);
  }

  /** The conversation if the policy grants `userId` this access, else a 404 (never a 403). */
  requireConversation(userId: string, id: string, access: Access): Promise<ConversationRow> {
    return requireConversation(this.repos, this.policy, userId, id, access);
  }

  /** A message and its conversation, checked through the conversation; else a 404 "Message". */
  requireMessage(
    userId: string,
    id: string,
    access: Access,
  ): Promise<{ message: MessageRow; conversation: ConversationRow }> {
    return requireMessage(this.repos, this.policy, userId, id, access);
  }

  async createConversation(
    userId: string,
    input: NewConversationInput,
    isDefault = false,
  ): Promise<ConversationDto> {
    const row = await this.repos.conversations.insertConversation(
      await this.newConversationRow(userId, input, isDefault),
    );
    return this.announceCreated(userId, row);
  }

  /**
   * A new conversation's row, checked (model, tools) but not written: a first message writes it
   * in the transaction of its turn (TurnService.startConversation), so a refused send leaves none.
   */
  async newConversationRow(
    userId: string,
    input: NewConversationInput,
    isDefault = false,
  ): Promise<ConversationRow> {
    const at = now();
    const tools = input.tools?.length ? await this.checkTools(userId, input.tools) : undefined;
    const model = await this.modelFor(userId, input.model);
    this.checkMaxOutputTokens(model, input.maxOutputTokens);
    return {
      id: newId(),
      user_id: userId,
      title: input.title?.trim() || null,
      model,
      system_prompt: input.systemPrompt ?? null,
      tools: tools ? JSON.stringify(tools) : null,
      temperature: input.temperature ?? null,
      max_output_tokens: input.maxOutputTokens ?? null,
      is_default: isDefault ? 1 : 0,
      folder_id: null,
      pinned: 0,
      archived: 0,
      created_at: at,
      updated_at: at,
    };
  }

  /** Tell the user's tabs about a conversation just written; its DTO. */
  async announceCreated(userId: string, row: ConversationRow): Promise<ConversationDto> {
    const dto = await this.dto(row);
    this.deps.bus.publish(userId, { type: 'conversation.created', conversation: dto });
    return dto;
  }

  async listConversations(
    userId: string,
    limit: number,
    cursor?: string,
    filter: ConversationFilter = { archived: false },
  ): Promise<{ items: ConversationDto[]; nextCursor: string | null }> {
    // Another user's folder is a 404 like any object of theirs, not an empty list.
    if (filter.folderId !== undefined && !(await this.repos.folders.findFolder(userId, filter.folderId))) {
      throw notFound('Folder');
    }
    const rows = await this.repos.conversations.listConversations(
      userId,
      limit + 1,
      cursor ? decodeCursor(cursor) : undefined,
      filter,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: await this.dtos(page),
      nextCursor:
        rows.length > limit && last
          ? encodeCursor({ pinned: last.pinned, updatedAt: last.updated_at, id: last.id })
          : null,
    };
  }

  async getConversation(userId: string, id: string): Promise<ConversationDto> {
    return this.dto(await this.requireConversation(userId, id, 'read'));
  }

  async updateConversation(userId: string, id: string, patch: ConversationPatch): Promise<ConversationDto> {
    const current = await this.requireConversation(userId, id, 'write');
    if (patch.model !== undefined) await this.modelFor(userId, patch.model);
    this.checkMaxOutputTokens(patch.model ?? current.model, patch.maxOutputTokens);
    const tools = patch.tools ? await this.checkTools(userId, patch.tools) : undefined;
    const organising = organisePatch(patch);
    const changes = {
      ...(patch.title !== undefined ? { title: patch.title.trim() || null } : {}),
      ...(patch.model !== undefined ? { model: patch.model } : {}),
      ...(patch.systemPrompt !== undefined ? { system_prompt: patch.systemPrompt } : {}),
      ...(tools !== undefined ? { tools: tools.length > 0 ? JSON.stringify(tools) : null } : {}),
      ...(patch.temperature !== undefined ? { temperature: patch.temperature } : {}),
      ...(patch.maxOutputTokens !== undefined ? { max_output_tokens: patch.maxOutputTokens } : {}),
      ...organising.columns,
      // Pinning, archiving or filing is not activity: the conversation keeps its place by date.
      ...(organising.only ? {} : { updated_at: now() }),
    };
    const { folderId } = patch;
    // Filing checks the folder in the write's own transaction: one deleted meanwhile is a 404, not a 500.
    const row = await this.deps.store.transaction(async (tx) => {
      if (folderId && !(await tx.folders.claimFolder(userId, folderId))) throw notFound('Folder');
      return tx.conversations.updateConversation(userId, id, changes);
    });
    if (!row) throw notFound('Conversation');
    const dto = await this.dto(row);
    this.deps.bus.publish(userId, { type: 'conversation.updated', conversation: dto });
    return dto;
  }

  /**
   * A conversation's max output tokens within its model's context window, when the model states
   * one (the schema bounds it to MAX_OUTPUT_TOKENS_LIMIT already); a 400 naming the field if not.
   */
  private checkMaxOutputTokens(model: string, maxOutputTokens: number | null | undefined): void {
    const limit = this.deps.models.get(model)?.info.contextWindow ?? null;
    if (maxOutputTokens == null || limit === null || maxOutputTokens <= limit) return;
    throw new AppError(
      'validation_error',
      `Invalid request: body/maxOutputTokens must be <= ${limit}, the context window of ${model}.`,
    );
  }

  /**
   * Tools a conversation may enable: on a server the user's role may use, and, while that server
   * is connected, one it offers. A server that is down keeps its tools (they return with it).
   */
  private async checkTools(userId: string, ids: readonly string[]): Promise<string[]> {
    const role = (await this.repos.users.findUser(userId))?.role ?? 'user';
    const allowed = (await this.deps.groups?.allowedTools(userId)) ?? null;
    const servers = new Map(
      (this.deps.tools?.list(role, allowed) ?? []).map((server) => [server.name, server]),
    );
    for (const id of ids) {
      const [serverName = '', toolName = ''] = id.split('/');
      const server = servers.get(serverName);
      const known =
        server !== undefined &&
        (allowed === null || allowed.has(id)) &&
        (server.state !== 'ready' || server.tools.some((tool) => tool.name === toolName));
      if (!known) {
        throw new AppError(
          'unknown_tool',
          `There is no tool "${id}" you may use: GET /api/tools lists them.`,
        );
      }
    }
    return [...ids];
  }

  async deleteConversation(userId: string, id: string): Promise<void> {
    await this.requireConversation(userId, id, 'write');
    await this.deps.stopRuns(userId, id);
    if (!(await this.repos.conversations.deleteConversation(userId, id))) throw notFound('Conversation');
    this.deps.bus.publish(userId, { type: 'conversation.deleted', conversationId: id });
  }

  async listMessages(
    userId: string,
    conversationId: string,
    limit: number,
    before?: string,
  ): Promise<{ items: MessageDto[]; nextCursor: string | null }> {
    await this.requireConversation(userId, conversationId, 'read');
    const rows = await this.repos.messages.messagesBefore(conversationId, limit + 1, before);
    const page = rows.slice(0, limit).reverse();
    return {
      items: page.map(messageDto),
      nextCursor: rows.length > limit && page[0] ? page[0].id : null,
    };
  }

  /**
   * `listMessages` as the JSON text of its `MessagePage`, each message turned into JSON by the
   * database (the hot read of opening a conversation: no object per row, no second serialization).
   */
  async messagePageJson(
    userId: string,
    conversationId: string,
    limit: number,
    before?: string,
  ): Promise<string> {
    await this.requireConversation(userId, conversationId, 'read');
    const rows = await this.repos.messages.messagePageJson(conversationId, limit + 1, before);
    const page = rows.slice(0, limit).reverse();
    const nextCursor = rows.length > limit && page[0] ? JSON.stringify(page[0].id) : 'null';
    return `{"items":[${page.map((row) => row.json).join(',')}],"nextCursor":${nextCursor}}`;
  }

  /**
   * The seed's history: the last `limit` messages of the default conversation, oldest first, as
   * the JSON text of its `[{user, message, timestamp}]` list (made by the database).
   */
  async historyJson(userId: string, limit: number): Promise<string> {
    const conversation = await this.repos.conversations.findDefaultConversation(userId);
    if (!conversation) return '[]';
    const entries = await this.repos.messages.seedHistoryJson(conversation.id, limit);
    return `[${entries.reverse().join(',')}]`;
  }

  /** The conversation the seed endpoints act on, created on first use. */
  async defaultConversation(userId: string): Promise<ConversationRow> {
    const existing = await this.repos.conversations.findDefaultConversation(userId);
    if (existing) return existing;
    const dto = await this.createConversation(userId, { title: 'Chat' }, true);
    return this.requireConversation(userId, dto.id, 'write');
  }

  /** Tell the owner's open tabs that a conversation changed (a title written by Parley). */
  async announceUpdated(row: ConversationRow): Promise<ConversationDto> {
    const dto = await this.dto(row);
    this.deps.bus.publish(row.user_id, { type: 'conversation.updated', conversation: dto });
    return dto;
  }

  /**
   * A machine-written title (title-writer.ts): written only while the title is still `expected`
   * (compare-and-set, so a rename meanwhile wins) and announced on the owner's live events.
   * Undefined: not written.
   */
  async writeTitle(
    conversation: ConversationRow,
    expected: string | null,
    title: string,
  ): Promise<ConversationDto | undefined> {
    const row = await this.repos.conversations.replaceTitle(
      conversation.user_id,
      conversation.id,
      expected,
      title,
    );
    return row ? this.announceUpdated(row) : undefined;
  }
}
