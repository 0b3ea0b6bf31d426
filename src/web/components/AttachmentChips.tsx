import { formatBytes } from '../files.js';
import type { Attachment } from '../hooks/use-attachments.js';
import { CloseIcon, FileIcon } from './icons.js';
import './AttachmentChips.css';

interface Props {
  items: readonly Attachment[];
  onRemove: (key: string) => void;
  /** Nothing can be removed (a send is on its way). */
  disabled?: boolean;
}

function statusLine(item: Attachment): string {
  switch (item.status) {
    case 'queued':
      return 'Waiting to upload…';
    case 'uploading':
      return `Uploading… ${Math.round(item.progress * 100)}%`;
    case 'error':
      return item.error ?? 'The upload failed.';
    default:
      return formatBytes(item.size);
  }
}

/** A draft's files: name, size or upload progress, a thumbnail for images, the error, a remove button. */
export function AttachmentChips({ items, onRemove, disabled = false }: Props) {
  if (items.length === 0) return null;
  return (
    <ul className="attachment-chips" aria-label="Attachments">
      {items.map((item) => (
        <li
          key={item.key}
          className={`attachment-chip is-${item.status}`}
          data-status={item.status}
          aria-busy={item.status === 'uploading' || item.status === 'queued'}
        >
          <span className="chip-thumb">
            {item.thumbnail ? <img src={item.thumbnail} alt="" /> : <FileIcon />}
          </span>
          <span className="chip-text">
            <span className="chip-name" title={item.name}>
              {item.name}
            </span>
            <span className="chip-meta" role={item.status === 'error' ? 'alert' : undefined}>
              {statusLine(item)}
            </span>
          </span>
          {item.status === 'uploading' && (
            <progress
              className="chip-progress"
              max={1}
              value={item.progress}
              aria-label={`Uploading ${item.name}`}
            />
          )}
          <button
            type="button"
            className="chip-remove"
            aria-label={`Remove ${item.name}`}
            title="Remove"
            disabled={disabled}
            onClick={() => onRemove(item.key)}
          >
            <CloseIcon />
          </button>
        </li>
      ))}
    </ul>
  );
}
