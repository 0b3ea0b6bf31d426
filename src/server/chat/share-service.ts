import { randomBytes } from 'node:crypto';
import {
  MAX_IMPORT_BODY_BYTES,
  PARLEY_EXPORT_FORMAT,
  PARLEY_EXPORT_VERSION,
  type ParleyExportDto,
  type ParleyExportFileDto,
} from '../../shared/export-schemas.js';
import type { MessagePartDto } from '../../shared/message-parts.js';
import {
  MAX_SHARE_MESSAGES,
  MAX_SHARE_SNAPSHOT_BYTES,
  MAX_SHARES,
  SHARE_ID_PATTERN,
  type ShareContinuedDto,
  type ShareDto,
  type SharedMessageDto,
  type ShareSnapshotDto,
  type ShareVisibilityDto,
} from '../../shared/share-schemas.js';
import { AppError } from '../errors.js';
import type { FileService } from '../files/file-service.js';
import type { Data } from '../store/repositories.js';
import type { FileRow, MessageRow, ShareRow } from '../store/schema.js';
import { type AccessPolicy, ownerOnly, requireConversation } from './access.js';
import type { ArchiveService } from './archive-service.js';
import { messagePartsOf } from './message-parts.js';

/**
 * Share links: a read-only snapshot of a conversation's current branch (the branch ending at its
 * newest message, as the chat shows it), taken when the link is made and stored with the link, so
 * what the owner writes later is never shown. Readers see the title and the messages (text, files,
 * reasoning, tool cards), never the owner's id, name, other conversations, usage or error details.
 *
 * Visibility: `public` anyone with the link; `users` anyone signed in to this Parley (anonymous
 * readers get a 401 saying to sign in). An unknown or revoked id is a 404, for everyone alike.
 * Only the owner lists and revokes their shares; anyone else's id is a 404 and changes nothing.
 *
 * A reply still streaming when the link is made is followed by polling its live row: each read of
 * the snapshot merges the row's current text (the run checkpoints it about every second, in the
 * database, from whichever instance runs it) and says `streaming: true`, so the page reads again
 * in a second. Once the row is no longer streaming it is frozen into the snapshot and never read
 * again. Polling rather than an SSE stream of the run: it works across instances with no bus or
 * run-log subscription per reader, it costs one primary-key read per poll (and the request rate
 * limit bounds the polls), and a reader that leaves holds nothing open. It is bounded in time
 * too: after MAX_FOLLOW_MS a share stops following and freezes what it has.
 */

/** How long a share follows a reply that was streaming when it was made. */
const MAX_FOLLOW_MS = 60 * 60_000;

/** The snapshot as stored: the messages with their ids (only to follow a live reply; never shown). */
interface StoredMessage extends SharedMessageDto {
  id: string;
}

interface StoredSnapshot {
  v: 1;
  title: string | null;
  model: string;
  messages: StoredMessage[];
  /** Every file the messages name: the only files the share's file route serves. */
  fileIds: string[];
}

/** Who reads a share: a signed-in user (or API token), or nobody (anonymous). */
export type ShareViewer = { userId: string } | null;

export interface ShareServiceDeps {
  store: Data;
  files: Pick<FileService, 'filesOf' | 'blobs'>;
  /** A continued share is imported as the caller's conversation (its gate, quota and file checks). */
  archive: Pick<ArchiveService, 'admitImport' | 'import'>;
  policy?: AccessPolicy;
}

const now = () => new Date().toISOString();
const sharePath = (id: string) => `/s/${id}`;
const idPattern = new RegExp(SHARE_ID_PATTERN);
const gone = () => new AppError('not_found', 'This share link was removed or never existed.');

/** The parts as a reader gets them: files read through the share, reasoning without the provider's seal, tool errors without their details. */
function readerParts(parts: MessagePartDto[], shareId: string): MessagePartDto[] {
  return parts.map((part) => {
    if (part.type === 'file') {
      return { ...part, url: `/api/shares/${shareId}/files/${encodeURIComponent(part.fileId)}` };
    }
    if (part.type === 'reasoning') return { type: 'reasoning', text: part.text };
    // A tool's error can name the server's internals (hosts, paths of an MCP server): a reader
    // learns that it failed, not how.
    if (part.type === 'dynamic-tool' && part.errorText !== undefined) {
      return { ...part, errorText: 'The tool call failed.' };
    }
    return part;
  });
}

type ExportPart = NonNullable<ParleyExportDto['messages'][number]['parts']>[number];

/** A message's text and files as an export carries them (reasoning and tool cards are not imported). */
function exportParts(parts: readonly MessagePartDto[]): ExportPart[] {
  const out: ExportPart[] = [];
  for (const p of parts) {
    if (p.type === 'text') out.push({ type: 'text', text: p.text });
    else if (p.type === 'file')
      out.push({
        type: 'file',
        fileId: p.fileId,
        mediaType: p.mediaType,
        filename: p.filename,
        size: p.size,
      });
  }
  return out;
}

function storedMessage(row: MessageRow & { role: 'user' | 'assistant' }): StoredMessage {
  return {
    id: row.id,
    role: row.role,
    content: row.content,
    parts: messagePartsOf(row),
    status: row.status,
    model: row.model,
    createdAt: row.created_at,
  };
}

function shareDto(row: Omit<ShareRow, 'snapshot'>): ShareDto {
  return {
    id: row.id,
    url: sharePath(row.id),
    visibility: row.visibility,
    title: row.title,
    createdAt: row.created_at,
    messageCount: Number(row.message_count),
  };
}

export class ShareService {
  constructor(private readonly deps: ShareServiceDeps) {}

  private get repos() {
    return this.deps.store.repos;
  }

  /** Share the current branch of the caller's conversation; 404 for anyone else's. */
  async create(userId: string, conversationId: string, visibility: ShareVisibilityDto): Promise<ShareDto> {
    const conversation = await requireConversation(
      this.repos,
      this.deps.policy ?? ownerOnly,
      userId,
      conversationId,
      'write',
    );
    const leaf = await this.repos.messages.newestMessage(conversation.id);
    if (!leaf) throw new AppError('conflict', 'There is nothing to share yet: send a message first.');
    const branch = await this.repos.messages.branchTo(leaf.id, MAX_SHARE_MESSAGES);
    if ((branch[0]?.parent_id ?? null) !== null) {
      throw new AppError(
        'payload_too_large',
        `This conversation is too long to share: at most ${MAX_SHARE_MESSAGES} messages.`,
      );
    }
    const messages = branch
      .filter((m): m is MessageRow & { role: 'user' | 'assistant' } => m.role !== 'system')
      .map(storedMessage);
    const fileIds = [
      ...new Set(messages.flatMap((m) => m.parts.flatMap((p) => (p.type === 'file' ? [p.fileId] : [])))),
    ];
    const snapshot: StoredSnapshot = {
      v: 1,
      title: conversation.title,
      model: conversation.model,
      messages,
      fileIds,
    };
    const json = JSON.stringify(snapshot);
    if (Buffer.byteLength(json) > MAX_SHARE_SNAPSHOT_BYTES) {
      throw new AppError(
        'payload_too_large',
        `This conversation is too large to share (more than ${MAX_SHARE_SNAPSHOT_BYTES / (1024 * 1024)} MB of text).`,
      );
    }
    const live = [...messages].reverse().find((m) => m.status === 'streaming');
    const row: ShareRow = {
      // 144 random bits, URL-safe: the link is the secret.
      id: randomBytes(18).toString('base64url'),
      user_id: userId,
      conversation_id: conversation.id,
      visibility,
      title: conversation.title,
      message_count: messages.length,
      snapshot: json,
      live_message_id: live?.id ?? null,
      created_at: now(),
    };
    if (!(await this.repos.shares.insertShareUnderCap(row, MAX_SHARES))) {
      throw new AppError('conflict', `You have ${MAX_SHARES} share links already: revoke one first.`);
    }
    return shareDto(row);
  }

  async list(userId: string): Promise<{ items: ShareDto[] }> {
    return { items: (await this.repos.shares.listShares(userId, MAX_SHARES)).map(shareDto) };
  }

  /** Revoke the caller's share; anyone else's (or an unknown id) is a 404 and nothing changes. */
  async revoke(userId: string, id: string): Promise<void> {
    if (!(await this.repos.shares.deleteShare(userId, id))) throw gone();
  }

  /** The share if `viewer` may read it: 404 unknown or revoked, 401 a `users` share read anonymously. */
  private async readable(id: string, viewer: ShareViewer): Promise<ShareRow> {
    if (!idPattern.test(id)) throw gone();
    const row = await this.repos.shares.shareById(id);
    if (!row) throw gone();
    if (row.visibility === 'users' && !viewer) {
      throw new AppError(
        'unauthorized',
        'This conversation is shared with the users of this Parley: sign in to read it.',
      );
    }
    return row;
  }

  /**
   * The stored snapshot, with a reply that was streaming at share time brought up to date from its
   * live row (and frozen into the snapshot once it has ended; see the class comment).
   */
  private async current(row: ShareRow): Promise<{ snapshot: StoredSnapshot; streaming: boolean }> {
    const snapshot = JSON.parse(row.snapshot) as StoredSnapshot;
    const liveId = row.live_message_id;
    if (!liveId) return { snapshot, streaming: false };
    const index = snapshot.messages.findIndex((m) => m.id === liveId);
    const live = await this.repos.messages.messageById(liveId);
    const stale = Date.now() - Date.parse(row.created_at) > MAX_FOLLOW_MS;
    const previous = snapshot.messages[index];
    if (previous && live && live.conversation_id === row.conversation_id && live.role === 'assistant') {
      snapshot.messages[index] = { ...storedMessage({ ...live, role: 'assistant' }), id: liveId };
    }
    const still = snapshot.messages[index]?.status === 'streaming' && live !== undefined && !stale;
    if (still) return { snapshot, streaming: true };
    // Ended (or gone, or followed long enough): what it has now is what the share keeps.
    const message = snapshot.messages[index];
    if (message?.status === 'streaming') message.status = 'interrupted';
    const json = JSON.stringify(snapshot);
    if (Buffer.byteLength(json) <= MAX_SHARE_SNAPSHOT_BYTES) {
      await this.repos.shares.freezeShare(row.id, liveId, json);
    } else {
      // The reply grew past what a share keeps: freeze the text as it was when shared.
      const shared = JSON.parse(row.snapshot) as StoredSnapshot;
      for (const m of shared.messages) if (m.id === liveId) m.status = 'interrupted';
      await this.repos.shares.freezeShare(row.id, liveId, JSON.stringify(shared));
    }
    return { snapshot, streaming: false };
  }

  /** The snapshot as a reader sees it (see `readable` for who may). */
  async read(id: string, viewer: ShareViewer): Promise<ShareSnapshotDto> {
    const row = await this.readable(id, viewer);
    const { snapshot, streaming } = await this.current(row);
    return {
      id: row.id,
      url: sharePath(row.id),
      visibility: row.visibility,
      title: snapshot.title,
      createdAt: row.created_at,
      messages: snapshot.messages.map(({ id: _id, ...m }) => ({ ...m, parts: readerParts(m.parts, row.id) })),
      streaming,
    };
  }

  /**
   * A file of the snapshot (or its thumbnail), for whoever may read the share: only a file the
   * snapshot names, and only while it is still the shared conversation's file.
   */
  async file(
    id: string,
    fileId: string,
    viewer: ShareViewer,
    preview = false,
  ): Promise<{ file: FileRow; bytes: Uint8Array }> {
    const row = await this.readable(id, viewer);
    const snapshot = JSON.parse(row.snapshot) as StoredSnapshot;
    const missing = () => new AppError('not_found', 'File not found.');
    if (!snapshot.fileIds.includes(fileId)) throw missing();
    const file = (await this.deps.files.filesOf(row.conversation_id, [fileId])).get(fileId);
    const key = preview ? file?.preview_key : file?.blob_key;
    const bytes = file && key ? await this.deps.files.blobs.get(key) : undefined;
    if (!file || !bytes) throw missing();
    return { file, bytes };
  }

  /**
   * "Continue in my account": a new conversation of the caller holding a copy of the snapshot,
   * written by import (the same one-at-a-time gate, storage quota and file checks as an uploaded
   * export). Attachments are copied as the caller's own files while they fit an import body
   * (MAX_IMPORT_BODY_BYTES, as an export embeds them); a file beyond that stays a named reference.
   */
  async continueAs(id: string, userId: string): Promise<ShareContinuedDto> {
    const row = await this.readable(id, { userId });
    const { snapshot } = await this.current(row);
    const ticket = await this.deps.archive.admitImport(userId);
    try {
      const body = await this.asExport(row, snapshot);
      const result = await this.deps.archive.import(userId, body);
      const imported = result.imported[0];
      if (!imported) throw new AppError('internal_error', 'The copy of the share was not written.');
      return {
        conversationId: imported.id,
        url: `/c/${imported.id}`,
        title: imported.title,
        messages: imported.messages,
      };
    } finally {
      await ticket.release();
    }
  }

  /** The snapshot as a Parley export of one linear branch, its files embedded while they fit. */
  private async asExport(row: ShareRow, snapshot: StoredSnapshot): Promise<ParleyExportDto> {
    const rows = await this.deps.files.filesOf(row.conversation_id, snapshot.fileIds);
    const files: ParleyExportFileDto[] = [];
    let room = MAX_IMPORT_BODY_BYTES - Buffer.byteLength(JSON.stringify(snapshot)) - 64 * 1024;
    for (const fileId of snapshot.fileIds) {
      const file = rows.get(fileId);
      if (!file) continue;
      const entry: ParleyExportFileDto = {
        id: file.id,
        name: file.name,
        mediaType: file.media_type,
        size: Number(file.size),
      };
      const needed = Math.ceil(Number(file.size) / 3) * 4 + 16;
      const bytes = needed <= room ? await this.deps.files.blobs.get(file.blob_key) : undefined;
      if (bytes) {
        entry.data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
        room -= needed;
      }
      files.push(entry);
    }
    let parentId: string | null = null;
    const messages: ParleyExportDto['messages'] = snapshot.messages.map((m, index) => {
      const key = `m${index}`;
      const message = {
        id: key,
        parentId,
        role: m.role,
        content: m.content,
        status: m.status,
        model: m.model,
        createdAt: m.createdAt,
        ...(m.parts.some((p) => p.type === 'file') ? { parts: exportParts(m.parts) } : {}),
      };
      parentId = key;
      return message;
    });
    return {
      format: PARLEY_EXPORT_FORMAT,
      version: PARLEY_EXPORT_VERSION,
      exportedAt: now(),
      conversation: { title: snapshot.title, model: snapshot.model },
      messages,
      ...(files.length > 0 ? { files } : {}),
    };
  }
}
