import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { FilePartDto } from '../../shared/message-parts.js';
import {
  deleteFile,
  isImageType,
  localThumbnail,
  MAX_FILES_PER_MESSAGE,
  PARALLEL_UPLOADS,
  previewUrl,
  type Upload,
  uploadFile,
} from '../files.js';

/** A draft's attachments: each file uploads as soon as it is added; the message carries their ids. */

export type AttachmentStatus = 'queued' | 'uploading' | 'ready' | 'error';

export interface Attachment {
  /** Stable for the chip's life (the file id only exists once uploaded). */
  key: string;
  name: string;
  size: number;
  /** The browser's guess until the server (which reads the bytes) answers. */
  mediaType: string;
  status: AttachmentStatus;
  /** 0 to 1 while uploading. */
  progress: number;
  /** An image's picture: a local one while uploading, then the server's preview. */
  thumbnail?: string;
  fileId?: string;
  error?: string;
  /** Already part of a sent message (an edit's draft): removing it must not delete the file. */
  sent?: boolean;
}

/** A sent message's files, as an edit's draft starts with them. */
export function attachmentsOfParts(parts: readonly FilePartDto[]): Attachment[] {
  return parts.map((part) => ({
    key: part.fileId,
    name: part.filename,
    size: part.size,
    mediaType: part.mediaType,
    status: 'ready',
    progress: 1,
    thumbnail: isImageType(part.mediaType) ? previewUrl(part.fileId) : undefined,
    fileId: part.fileId,
    sent: true,
  }));
}

let nextKey = 0;

export function useAttachments(initial: Attachment[] = []) {
  const [items, setItems] = useState<Attachment[]>(initial);
  const [notice, setNotice] = useState<string | null>(null);
  // The list as of the last change, so async callbacks (progress, answers) never patch a stale copy.
  const listRef = useRef(items);
  const filesRef = useRef(new Map<string, File>());
  const uploadsRef = useRef(new Map<string, Upload>());

  const commit = useCallback((next: Attachment[]) => {
    listRef.current = next;
    setItems(next);
  }, []);
  const patch = useCallback(
    (key: string, change: Partial<Attachment>) => {
      if (!listRef.current.some((item) => item.key === key)) return;
      commit(listRef.current.map((item) => (item.key === key ? { ...item, ...change } : item)));
    },
    [commit],
  );

  const start = useCallback(
    (key: string) => {
      const file = filesRef.current.get(key);
      if (!file || uploadsRef.current.has(key)) return;
      patch(key, { status: 'uploading' });
      const upload = uploadFile(file, (progress) => patch(key, { progress }));
      uploadsRef.current.set(key, upload);
      upload.promise.then(
        (info) => {
          uploadsRef.current.delete(key);
          filesRef.current.delete(key);
          // Removed while its answer was on the way: the server keeps nothing we do not send.
          if (!listRef.current.some((item) => item.key === key))
            return void deleteFile(info.id).catch(() => {});
          patch(key, {
            status: 'ready',
            progress: 1,
            fileId: info.id,
            mediaType: info.mediaType,
            size: info.size,
            thumbnail: isImageType(info.mediaType) ? previewUrl(info.id) : undefined,
          });
        },
        (error: unknown) => {
          uploadsRef.current.delete(key);
          filesRef.current.delete(key);
          patch(key, { status: 'error', error: error instanceof Error ? error.message : String(error) });
        },
      );
    },
    [patch],
  );

  // Start queued uploads while fewer than the server's limit run (more at once would be refused).
  useEffect(() => {
    const running = items.filter((item) => item.status === 'uploading').length;
    const waiting = items.filter((item) => item.status === 'queued');
    for (const item of waiting.slice(0, Math.max(0, PARALLEL_UPLOADS - running))) start(item.key);
  }, [items, start]);

  // Leaving the page's draft: stop what is still uploading.
  useEffect(() => {
    const uploads = uploadsRef.current;
    return () => {
      for (const upload of uploads.values()) upload.abort();
    };
  }, []);

  const add = useCallback(
    (files: readonly File[]) => {
      if (files.length === 0) return;
      const room = MAX_FILES_PER_MESSAGE - listRef.current.length;
      const taken = files.slice(0, Math.max(0, room));
      setNotice(
        taken.length < files.length
          ? `A message can carry at most ${MAX_FILES_PER_MESSAGE} files: ${files.length - taken.length} not added.`
          : null,
      );
      const added = taken.map((file): Attachment => {
        nextKey += 1;
        const key = `draft-${nextKey}`;
        filesRef.current.set(key, file);
        return {
          key,
          name: file.name || 'pasted file',
          size: file.size,
          mediaType: file.type,
          status: 'queued',
          progress: 0,
        };
      });
      commit([...listRef.current, ...added]);
      for (const [i, file] of taken.entries()) {
        const key = added[i]?.key;
        if (!key || !isImageType(file.type)) continue;
        void localThumbnail(file).then((thumbnail) => {
          const item = listRef.current.find((candidate) => candidate.key === key);
          if (thumbnail && item && item.status !== 'ready') patch(key, { thumbnail });
        });
      }
    },
    [commit, patch],
  );

  /** Takes the file out of the draft; an upload of ours is deleted on the server too. */
  const remove = useCallback(
    (key: string) => {
      const item = listRef.current.find((candidate) => candidate.key === key);
      if (!item) return;
      uploadsRef.current.get(key)?.abort();
      filesRef.current.delete(key);
      commit(listRef.current.filter((candidate) => candidate.key !== key));
      setNotice(null);
      if (item.fileId && !item.sent) void deleteFile(item.fileId).catch(() => {});
    },
    [commit],
  );

  /** The message was sent: its files now belong to it, so nothing is deleted. */
  const clear = useCallback(() => {
    filesRef.current.clear();
    commit([]);
    setNotice(null);
  }, [commit]);

  return useMemo(
    () => ({
      items,
      notice,
      add,
      remove,
      clear,
      /** Files still on their way up: the message cannot be sent yet. */
      uploading: items.some((item) => item.status === 'queued' || item.status === 'uploading'),
      /** The uploaded files' ids, in the order they were added (the order the message shows them). */
      fileIds: items.flatMap((item) => (item.status === 'ready' && item.fileId ? [item.fileId] : [])),
      hasImage: items.some((item) => item.status !== 'error' && isImageType(item.mediaType)),
      full: items.length >= MAX_FILES_PER_MESSAGE,
    }),
    [items, notice, add, remove, clear],
  );
}

export type Attachments = ReturnType<typeof useAttachments>;
