import { type FormEvent, type ReactNode, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { ModelInfo } from '../api.js';
import { loadDraft, saveDraft } from '../drafts.js';
import { ACCEPTED_FILES } from '../files.js';
import type { Attachments } from '../hooks/use-attachments.js';
import { editLastMessage } from '../hooks/use-shortcuts.js';
import { AttachmentChips } from './AttachmentChips.js';
import { PaperclipIcon, SendIcon, StopIcon } from './icons.js';
import './Composer.css';

interface Props {
  running: boolean;
  busy: boolean;
  disabled: boolean;
  /** The draft's files (owned by the view, which also takes files dropped anywhere on it). */
  attachments: Attachments;
  /** The model the message goes to, and every model there is (to name the ones that read images). */
  model: ModelInfo | undefined;
  models: readonly ModelInfo[];
  onSend: (content: string, files: string[]) => Promise<boolean>;
  onStop: () => void;
  /** The tools menu, beside the attach button (absent when the server offers no tools). */
  tools?: ReactNode;
  /** Where the unsent text is kept (the conversation's id, or `new`): it survives a sign-out of the tab. */
  draftKey?: string;
}

const MAX_CHARS = 100_000;

/** Why the draft's image cannot go to this model; null when it can (or there is no image). */
function imageRefusal(attachments: Attachments, model: ModelInfo | undefined, models: readonly ModelInfo[]) {
  if (!attachments.hasImage || !model || model.input.includes('image')) return null;
  const readers = models.filter((candidate) => candidate.available && candidate.input.includes('image'));
  const names = readers.map((reader) => reader.name).join(', ');
  return readers.length > 0
    ? `${model.name} does not read images; ${names} ${readers.length === 1 ? 'does' : 'do'}. Pick a model that takes images, or remove the image.`
    : `${model.name} does not read images, and no model here does. Remove the image to send.`;
}

/**
 * The message box: Enter sends, Shift+Enter adds a line, Esc stops (handled by the view). Files come
 * from the paperclip, a paste (a screenshot; pasted text stays text) or a drop on the view.
 */
export function Composer({
  running,
  busy,
  disabled,
  attachments,
  model,
  models,
  onSend,
  onStop,
  tools,
  draftKey = 'new',
}: Props) {
  const [text, setText] = useState(() => loadDraft(draftKey));
  const ref = useRef<HTMLTextAreaElement>(null);
  const picker = useRef<HTMLInputElement>(null);

  useEffect(() => {
    // On a phone, focusing would pop the keyboard over the conversation.
    if (window.matchMedia('(pointer: fine)').matches) ref.current?.focus();
  }, []);

  // Grow with the text, up to a limit (then scroll).
  useLayoutEffect(() => {
    const area = ref.current;
    if (!area || area.value !== text) return;
    area.style.height = 'auto';
    area.style.height = `${Math.min(area.scrollHeight, 240)}px`;
  }, [text]);

  const refusal = imageRefusal(attachments, model, models);
  const hasContent = text.trim() !== '' || attachments.fileIds.length > 0;
  const canSend = hasContent && !attachments.uploading && !refusal && !running && !busy && !disabled;

  async function submit(event?: FormEvent) {
    event?.preventDefault();
    if (!canSend) return;
    const content = text;
    setText('');
    // The kept draft goes only once the message is accepted: a send refused because the session
    // ended elsewhere (401) leaves it for after signing in again.
    if (await onSend(content, attachments.fileIds)) {
      attachments.clear();
      saveDraft(draftKey, ref.current?.value ?? '');
    } else setText((current) => current || content);
    ref.current?.focus();
  }

  const sendTitle = attachments.uploading ? 'Waiting for the files to upload' : 'Send (Enter)';

  return (
    <>
      {(refusal || attachments.notice) && (
        <p className="composer-note" role="status">
          {refusal ?? attachments.notice}
        </p>
      )}
      <form className="composer" onSubmit={submit}>
        <AttachmentChips items={attachments.items} onRemove={attachments.remove} disabled={busy} />
        <div className="composer-row">
          <input
            ref={picker}
            type="file"
            className="sr-only"
            tabIndex={-1}
            aria-hidden="true"
            aria-label="Choose files to attach"
            multiple
            accept={ACCEPTED_FILES}
            onChange={(e) => {
              attachments.add([...(e.target.files ?? [])]);
              e.target.value = ''; // the same file can be picked again after removing it
            }}
          />
          <button
            type="button"
            className="attach-btn"
            aria-label="Attach files"
            title="Attach images, PDFs, Word or text files"
            disabled={disabled || attachments.full}
            onClick={() => picker.current?.click()}
          >
            <PaperclipIcon />
          </button>
          {tools}
          <textarea
            ref={ref}
            aria-label="Message"
            placeholder="Message Parley"
            rows={1}
            maxLength={MAX_CHARS}
            value={text}
            disabled={disabled}
            onChange={(e) => {
              setText(e.target.value);
              saveDraft(draftKey, e.target.value);
            }}
            onPaste={(e) => {
              const files = [...e.clipboardData.files];
              // Text copied from an office app often comes with a picture of itself: keep it text.
              if (files.length === 0 || e.clipboardData.types.includes('text/plain')) return;
              e.preventDefault();
              attachments.add(files);
            }}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
                e.preventDefault();
                void submit();
              }
              // ↑ in an empty box edits the last message you sent (as in most chat apps).
              else if (e.key === 'ArrowUp' && text === '' && editLastMessage()) e.preventDefault();
            }}
          />
          {running ? (
            <button
              type="button"
              className="send-btn stop"
              aria-label="Stop the reply"
              title="Stop (Esc)"
              onClick={onStop}
            >
              <StopIcon />
            </button>
          ) : (
            <button
              type="submit"
              className="send-btn"
              aria-label="Send message"
              title={sendTitle}
              disabled={!canSend}
            >
              <SendIcon />
            </button>
          )}
        </div>
      </form>
    </>
  );
}
