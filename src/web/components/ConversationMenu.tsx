import { lazy, Suspense, useState } from 'react';
import { type Conversation, downloadExport, type ModelList } from '../api.js';
import { MoreIcon } from './icons.js';
import { RowMenu } from './RowMenu.js';
import './ConversationMenu.css';

/** Loaded when first opened (its own chunk, with the shared schema limits it checks against). */
const ChatSettingsDialog = lazy(() => import('./ChatSettingsDialog.js'));

interface Props {
  conversationId: string;
  title: string | null;
  models: ModelList | null;
  /** A save in the settings dialog: the sidebar and the page show the new settings. */
  onUpdated: (conversation: Conversation) => void;
}

/**
 * The conversation header's "⋯" menu: the chat's settings (a dialog) and its export as Markdown
 * or Parley JSON, downloaded as a file. A failed export says why, beside the menu.
 */
export function ConversationMenu({ conversationId, title, models, onUpdated }: Props) {
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [status, setStatus] = useState<{ text: string; error: boolean } | null>(null);

  async function exportAs(format: 'markdown' | 'json') {
    setStatus({ text: 'Preparing the export…', error: false });
    try {
      await downloadExport(conversationId, format);
      setStatus({ text: `Exported as ${format === 'json' ? 'JSON' : 'Markdown'}.`, error: false });
    } catch (err) {
      setStatus({ text: err instanceof Error ? err.message : String(err), error: true });
    }
  }

  return (
    <div className="conversation-menu">
      <span className="sr-only" role="status">
        {status && !status.error ? status.text : ''}
      </span>
      {status?.error && (
        <p className="conversation-menu-error" role="alert">
          {status.text}
          <button type="button" className="link-btn" onClick={() => setStatus(null)}>
            Dismiss
          </button>
        </p>
      )}
      <RowMenu
        label={`Conversation actions${title ? ` for “${title}”` : ''}`}
        icon={<MoreIcon />}
        items={[
          { label: 'Chat settings…', onSelect: () => setSettingsOpen(true) },
          { label: 'Export as Markdown', onSelect: () => void exportAs('markdown'), separated: true },
          { label: 'Export as JSON', onSelect: () => void exportAs('json') },
        ]}
      />
      {settingsOpen && (
        <Suspense fallback={null}>
          <ChatSettingsDialog
            conversationId={conversationId}
            models={models}
            onClose={() => setSettingsOpen(false)}
            onSaved={(conversation) => {
              onUpdated(conversation);
              setStatus({ text: 'Chat settings saved.', error: false });
            }}
          />
        </Suspense>
      )}
    </div>
  );
}
