import type { Folder } from '../api.js';
import './BulkBar.css';

interface Props {
  count: number;
  folders: Folder[];
  /** In the Archived view: "Unarchive" instead of "Archive", and no moving. */
  archivedView: boolean;
  onArchive: () => void;
  onMove: (folderId: string | null) => void;
  onDelete: () => void;
  onCancel: () => void;
}

/** What to do with the selected conversations (select mode). */
export function BulkBar({ count, folders, archivedView, onArchive, onMove, onDelete, onCancel }: Props) {
  const none = count === 0;
  return (
    <div className="bulk-bar" role="toolbar" aria-label="Selected conversations">
      <p className="bulk-count" aria-live="polite">
        {count} selected
      </p>
      <div className="bulk-actions">
        <button type="button" className="btn btn-small" disabled={none} onClick={onArchive}>
          {archivedView ? 'Unarchive' : 'Archive'}
        </button>
        {!archivedView && (
          <select
            className="bulk-move"
            aria-label="Move the selected conversations to a folder"
            disabled={none}
            value=""
            onChange={(e) => {
              if (e.target.value) onMove(e.target.value === '-' ? null : e.target.value);
            }}
          >
            <option value="">Move to…</option>
            {folders.map((folder) => (
              <option key={folder.id} value={folder.id}>
                {folder.name}
              </option>
            ))}
            <option value="-">No folder</option>
          </select>
        )}
        <button type="button" className="btn btn-small btn-danger-outline" disabled={none} onClick={onDelete}>
          Delete
        </button>
        <button type="button" className="btn btn-small" onClick={onCancel}>
          Done
        </button>
      </div>
    </div>
  );
}
