import { useEffect, useRef, useState } from 'react';
import type { FilePartDto } from '../../shared/message-parts.js';
import { attachmentsOfParts, useAttachments } from '../hooks/use-attachments.js';
import { AttachmentChips } from './AttachmentChips.js';
import './EditBox.css';

interface Props {
  initial: string;
  /** The message's files: resent with the edit unless removed here. */
  files: readonly FilePartDto[];
  onSubmit: (content: string, files: string[]) => Promise<void>;
  onCancel: () => void;
}

/** Edit-and-resend of a user message: its text and the files it carried (each can be dropped). */
export function EditBox({ initial, files, onSubmit, onCancel }: Props) {
  const [value, setValue] = useState(initial);
  const [sending, setSending] = useState(false);
  const attachments = useAttachments(attachmentsOfParts(files));
  const ref = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    const area = ref.current;
    if (!area) return;
    area.focus();
    area.setSelectionRange(area.value.length, area.value.length);
  }, []);
  const empty = !value.trim() && attachments.fileIds.length === 0;
  const submit = async () => {
    if (empty || sending) return;
    setSending(true);
    await onSubmit(value, attachments.fileIds);
    setSending(false);
  };
  return (
    <div className="edit-box">
      <AttachmentChips items={attachments.items} onRemove={attachments.remove} disabled={sending} />
      <textarea
        ref={ref}
        aria-label="Edit message"
        value={value}
        rows={Math.min(12, Math.max(2, value.split('\n').length))}
        onChange={(e) => setValue(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
            e.preventDefault();
            void submit();
          } else if (e.key === 'Escape') {
            e.preventDefault();
            onCancel();
          }
        }}
      />
      <div className="edit-actions">
        <button type="button" className="btn" onClick={onCancel}>
          Cancel
        </button>
        <button
          type="button"
          className="btn btn-primary"
          disabled={empty || sending}
          onClick={() => void submit()}
        >
          Send
        </button>
      </div>
    </div>
  );
}
