import { type BulkInput, type FolderDto, MAX_FOLDERS } from '../../shared/organise-schemas.js';
import { AppError, notFound } from '../errors.js';
import { newId } from '../ids.js';
import type { EventBus } from '../realtime/event-bus.js';
import type { Data } from '../store/repositories.js';
import type { FolderRow } from '../store/schema.js';
import { conversationDto } from './serialize.js';

export interface OrganiseServiceDeps {
  store: Data;
  /** Stops this instance's runs of a conversation before it is deleted (the run manager's stop). */
  stopRuns: (userId: string, conversationId: string) => Promise<unknown>;
  bus: EventBus;
}

const now = () => new Date().toISOString();

function folderDto(row: FolderRow): FolderDto {
  return { id: row.id, name: row.name, createdAt: row.created_at, updatedAt: row.updated_at };
}

/**
 * Folders, and acting on many conversations at once. Both are the caller's own only: another
 * user's folder or conversation is a 404 and nothing changes. A bulk action is all or nothing: it
 * claims every named conversation in one transaction, and any that is not the caller's (or is
 * gone) rolls all of it back.
 */
export class OrganiseService {
  constructor(private readonly deps: OrganiseServiceDeps) {}

  private get repos() {
    return this.deps.store.repos;
  }

  async listFolders(userId: string): Promise<{ items: FolderDto[] }> {
    return { items: (await this.repos.folders.listFolders(userId, MAX_FOLDERS)).map(folderDto) };
  }

  async createFolder(userId: string, name: string): Promise<FolderDto> {
    const at = now();
    const row: FolderRow = {
      id: newId(),
      user_id: userId,
      name: name.trim(),
      created_at: at,
      updated_at: at,
    };
    if (!(await this.repos.folders.insertFolderUnderCap(row, MAX_FOLDERS))) {
      throw new AppError('conflict', `You have ${MAX_FOLDERS} folders already: delete one first.`);
    }
    this.deps.bus.publish(userId, { type: 'folders.changed' });
    return folderDto(row);
  }

  async renameFolder(userId: string, id: string, name: string): Promise<FolderDto> {
    const row = await this.repos.folders.renameFolder(userId, id, name.trim(), now());
    if (!row) throw notFound('Folder');
    this.deps.bus.publish(userId, { type: 'folders.changed' });
    return folderDto(row);
  }

  /** Delete a folder; its conversations stay, out of any folder (the foreign key unfiles them). */
  async deleteFolder(userId: string, id: string): Promise<void> {
    if (!(await this.repos.folders.deleteFolder(userId, id))) throw notFound('Folder');
    this.deps.bus.publish(userId, { type: 'folders.changed' });
  }

  async bulk(userId: string, input: BulkInput): Promise<{ action: BulkInput['action']; count: number }> {
    const ids = [...new Set(input.ids)];
    if ((input.action === 'move') !== (input.folderId !== undefined)) {
      throw new AppError(
        'validation_error',
        'folderId goes with the action "move" (null: out of any folder).',
      );
    }
    if (input.action === 'delete') {
      await this.bulkDelete(userId, ids);
    } else {
      const patch =
        input.action === 'move'
          ? { folder_id: input.folderId ?? null }
          : { archived: input.action === 'archive' ? 1 : 0 };
      await this.deps.store.transaction(async (tx) => {
        // The folder is checked in the move's own transaction: one deleted meanwhile is a 404, not a 500.
        const { folderId } = input;
        if (folderId && !(await tx.folders.claimFolder(userId, folderId))) throw notFound('Folder');
        if ((await tx.folders.updateOwnConversations(userId, ids, patch)) !== ids.length)
          throw notFound('Conversation');
      });
      await this.publishUpdated(userId, ids);
    }
    return { action: input.action, count: ids.length };
  }

  /** Check every id first, stop their running replies, then delete them all in one transaction. */
  private async bulkDelete(userId: string, ids: string[]): Promise<void> {
    if ((await this.repos.folders.countOwnConversations(userId, ids)) !== ids.length)
      throw notFound('Conversation');
    const running = await this.repos.runs.activeRunsOf(ids, now());
    for (const id of running.keys()) await this.deps.stopRuns(userId, id);
    await this.deps.store.transaction(async (tx) => {
      if ((await tx.folders.deleteOwnConversations(userId, ids)) !== ids.length)
        throw notFound('Conversation');
    });
    for (const id of ids) this.deps.bus.publish(userId, { type: 'conversation.deleted', conversationId: id });
  }

  private async publishUpdated(userId: string, ids: string[]): Promise<void> {
    const active = await this.repos.runs.activeRunsOf(ids, now());
    for (const id of ids) {
      const row = await this.repos.conversations.findConversation(userId, id);
      if (!row) continue;
      const run = active.get(id);
      const conversation = conversationDto(row, run ? { id: run.id, messageId: run.message_id } : null);
      this.deps.bus.publish(userId, { type: 'conversation.updated', conversation });
    }
  }
}
