import { Suspense, useEffect } from 'react';
import type { Conversation, ModelList } from '../api.js';
import { useAttachments } from '../hooks/use-attachments.js';
import { useConversation } from '../hooks/use-conversation.js';
import { useFileDrop } from '../hooks/use-file-drop.js';
import { useToolList } from '../hooks/use-tools.js';
import { navigate } from '../router.js';
import { Composer } from './Composer.js';
import { ConversationMenu } from './ConversationMenu.js';
import { DemoBanner } from './DemoBanner.js';
import { InlineErrorBar } from './InlineErrorBar.js';
import { MarkdownReady, preloadMarkdown } from './Markdown.js';
import { MessageList } from './MessageList.js';
import { ModelPicker } from './ModelPicker.js';
import { ModelsContext } from './model-names.js';
import { ShareButton } from './ShareDialog.js';
import { ToolsMenu } from './ToolsMenu.js';
import './ConversationView.css';

interface Props {
  conversationId: string | null;
  /** The sidebar's copy, shown until the conversation itself has loaded. */
  summary: Conversation | null;
  models: ModelList | null;
  onConversation: (conversation: Conversation) => void;
}

/** One conversation's page (or the home page's new chat): the state lives in `useConversation`. */
export function ConversationView({ conversationId, summary, models, onConversation }: Props) {
  const c = useConversation({ conversationId, summary, models, onConversation });
  const title = c.conversation?.title;
  // The draft's files live here, not in the composer: a file dropped anywhere on the page joins them.
  const attachments = useAttachments();
  const drop = useFileDrop(attachments.add, c.loadError === null);
  const modelList = models?.models ?? [];
  const tools = useToolList();

  useEffect(() => {
    document.title = title ? `${title} · Parley` : 'Parley';
  }, [title]);
  // The renderer loads beside the conversation's messages, not after them.
  useEffect(() => {
    if (conversationId !== null) void preloadMarkdown();
  }, [conversationId]);

  return (
    <main className="conversation" aria-label={title ?? 'New conversation'} {...drop.handlers}>
      {drop.over && (
        <div className="drop-overlay" aria-hidden="true">
          <p>Drop files to attach them</p>
          <p className="muted">Images, PDFs, Word and text files</p>
        </div>
      )}
      <header className="conv-header">
        <h1 className="conv-title">{conversationId ? (title ?? 'New conversation') : 'New chat'}</h1>
        <ModelPicker models={models} value={c.currentModel} onChange={(model) => void c.changeModel(model)} />
        {conversationId && <ShareButton conversationId={conversationId} />}
        {conversationId && (
          <ConversationMenu
            conversationId={conversationId}
            title={title ?? null}
            models={models}
            onUpdated={onConversation}
          />
        )}
      </header>
      <DemoBanner models={models} />
      {c.loadError ? (
        <div className="empty-state" role="alert">
          <p>{c.loadError}</p>
          <button type="button" className="btn" onClick={() => navigate('/')}>
            Start a new chat
          </button>
        </div>
      ) : conversationId === null || (!c.loading && c.items.length === 0) ? (
        <div className="empty-state">
          <h2>How can I help?</h2>
          <p className="muted">Replies stream in as they are written, and keep going if you reload.</p>
        </div>
      ) : (
        <ModelsContext.Provider value={modelList}>
          <Suspense fallback={<div className="message-list-pending" aria-busy="true" />}>
            <MarkdownReady>
              <MessageList
                key={conversationId}
                items={c.items}
                tree={c.tree}
                loading={c.loading}
                hasOlder={c.hasOlder}
                loadingOlder={c.loadingOlder}
                onLoadOlder={c.loadOlder}
                live={c.live}
                disabled={c.running || c.busy}
                onRegenerate={c.regenerate}
                onContinue={c.continueReply}
                onEdit={c.editAndResend}
                onSibling={c.showSibling}
                onAnswer={c.answerApproval}
                focus={c.focus}
              />
            </MarkdownReady>
          </Suspense>
        </ModelsContext.Provider>
      )}
      <div className="composer-wrap">
        {c.live?.connection === 'reconnecting' && (
          <p className="status-line" role="status">
            Connection lost — reconnecting; the reply continues where it stopped.
          </p>
        )}
        {c.error && <InlineErrorBar error={c.error} onDismiss={() => c.setError(null)} />}
        <Composer
          key={conversationId ?? 'new'}
          draftKey={conversationId ?? 'new'}
          running={c.running}
          busy={c.busy}
          attachments={attachments}
          model={modelList.find((model) => model.id === c.currentModel)}
          models={modelList}
          onSend={c.send}
          onStop={() => void c.stop()}
          disabled={c.loadError !== null}
          tools={
            <ToolsMenu
              list={tools.list}
              enabled={c.enabledTools}
              onChange={c.changeTools}
              onRefresh={tools.refresh}
              saving={c.pendingTools !== null}
              error={c.toolsError}
              disabled={c.loadError !== null || (conversationId !== null && c.conversation === null)}
            />
          }
        />
      </div>
      <div className="sr-only" role="status" aria-live="polite">
        {c.announce}
      </div>
    </main>
  );
}
