import { type MouseEvent, useCallback, useEffect, useState } from 'react';
import type { FilePartDto } from '../../shared/message-parts.js';
import { ApiError, type Message, type SharedMessage, type ShareSnapshot, shareApi } from '../api.js';
import { formatBytes, isImageType } from '../files.js';
import { navigate, sharePath } from '../router.js';
import { hasToolParts } from '../stream-parts.js';
import { CollapsibleText } from './CollapsibleText.js';
import { FileIcon } from './icons.js';
import { go } from './links.js';
import { Markdown } from './Markdown.js';
import { ReasoningBlock } from './ReasoningBlock.js';
import { OrderedParts, StatusNote } from './ReplyParts.js';
import './MessageItem.css';
import './MessageAttachments.css';
import './SharePage.css';

export { nextAfterSignIn } from './share-next.js';

/** How often the page reads a share again while a reply in it is still being written. */
const POLL_MS = 1_000;

type State =
  | { state: 'loading' }
  | { state: 'ready'; share: ShareSnapshot }
  | { state: 'gone' }
  | { state: 'sign-in' }
  | { state: 'error'; message: string };

const shareDate = (iso: string) =>
  new Date(iso).toLocaleDateString(undefined, { year: 'numeric', month: 'long', day: 'numeric' });

/** A shared message's files: images as thumbnails (opening the full file), others as links. */
function SharedFiles({ parts }: { parts: FilePartDto[] }) {
  const images = parts.filter((part) => isImageType(part.mediaType));
  const others = parts.filter((part) => !isImageType(part.mediaType));
  return (
    <div className="msg-files">
      {images.length > 0 && (
        <ul className="msg-images" aria-label="Images">
          {images.map((part) => (
            <li key={part.fileId}>
              <a className="msg-image" href={part.url} target="_blank" rel="noopener noreferrer">
                <img src={`${part.url}?preview=true`} alt={part.filename} loading="lazy" />
              </a>
            </li>
          ))}
        </ul>
      )}
      {others.length > 0 && (
        <ul className="msg-docs" aria-label="Files">
          {others.map((part) => (
            <li key={part.fileId}>
              <a className="msg-doc" href={part.url} target="_blank" rel="noopener noreferrer">
                <span className="msg-doc-icon">
                  <FileIcon />
                </span>
                <span className="msg-doc-text">
                  <span className="msg-doc-name">{part.filename}</span>
                  <span className="msg-doc-meta">{formatBytes(part.size)}</span>
                </span>
              </a>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The reply renderers take a Message: a shared one has no ids, usage or error of its owner's. */
function asMessage(message: SharedMessage, index: number): Message {
  return {
    ...message,
    id: `shared-${index}`,
    conversationId: '',
    parentId: null,
    usage: { inputTokens: null, outputTokens: null },
    finishReason: null,
    error: null,
    updatedAt: message.createdAt,
  };
}

function SharedItem({ message, index }: { message: SharedMessage; index: number }) {
  const isUser = message.role === 'user';
  const files = message.parts.filter((part): part is FilePartDto => part.type === 'file');
  const streaming = message.status === 'streaming';
  const reasoning = isUser
    ? ''
    : message.parts.map((part) => (part.type === 'reasoning' ? part.text : '')).join('');
  const full = asMessage(message, index);
  return (
    <article
      className={`msg msg-${message.role}`}
      aria-label={isUser ? 'User' : 'Assistant'}
      data-status={message.status}
    >
      <div className="msg-inner">
        {isUser ? (
          <>
            {files.length > 0 && <SharedFiles parts={files} />}
            {(message.content !== '' || files.length === 0) && (
              <CollapsibleText className="msg-bubble user-text" text={message.content} />
            )}
          </>
        ) : (
          <div className="msg-content">
            {hasToolParts(message.parts) ? (
              <OrderedParts
                message={full}
                streaming={streaming}
                disabled
                model={message.model ?? 'the model'}
              />
            ) : (
              <>
                {reasoning !== '' && (
                  <ReasoningBlock text={reasoning} thinking={streaming && message.content === ''} />
                )}
                <Markdown source={message.content} />
                {streaming && <span className="cursor" aria-hidden="true" />}
              </>
            )}
            {files.length > 0 && <SharedFiles parts={files} />}
            {message.status === 'error' && <p className="msg-note">This reply failed.</p>}
            {!streaming && <StatusNote message={full} />}
            {streaming && <p className="msg-note share-live">Still being written…</p>}
          </div>
        )}
      </div>
    </article>
  );
}

/** A page of its own around a message: the brand (home) and a short text. */
function SharePlain({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <main className="share-page share-plain" aria-labelledby="share-plain-title">
      <a className="share-brand" href="/" onClick={(e) => go(e, '/')}>
        <span className="brand-mark" aria-hidden="true" /> Parley
      </a>
      <h1 id="share-plain-title">{title}</h1>
      {children}
    </main>
  );
}

/**
 * A shared conversation, read-only: `/s/<id>`. Shown to anyone the share lets in, signed in or not;
 * "Continue in my account" copies it into a new conversation of the reader (signing in first, then
 * back here). While a reply in it is still being written the page reads it again every second.
 */
export function SharePage({ id, signedIn }: { id: string; signedIn: boolean }) {
  const [view, setView] = useState<State>({ state: 'loading' });
  const [continuing, setContinuing] = useState(false);
  const [continueError, setContinueError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setView({ state: 'ready', share: await shareApi.read(id) });
    } catch (error) {
      if (error instanceof ApiError && (error.status === 404 || error.status === 400))
        setView({ state: 'gone' });
      else if (error instanceof ApiError && error.status === 401) setView({ state: 'sign-in' });
      else setView({ state: 'error', message: error instanceof Error ? error.message : String(error) });
    }
  }, [id]);

  useEffect(() => {
    setView({ state: 'loading' });
    void load();
  }, [load]);

  const streaming = view.state === 'ready' && view.share.streaming;
  useEffect(() => {
    if (!streaming) return;
    const timer = setTimeout(() => void load(), POLL_MS);
    return () => clearTimeout(timer);
  });

  const title = view.state === 'ready' ? view.share.title || 'Untitled conversation' : null;
  useEffect(() => {
    document.title = title ? `${title} · Shared · Parley` : 'Shared conversation · Parley';
  }, [title]);

  const signIn = (event?: MouseEvent) => {
    event?.preventDefault();
    navigate(`/login?next=${encodeURIComponent(sharePath(id))}`);
  };

  async function continueInAccount() {
    if (!signedIn) return signIn();
    setContinuing(true);
    setContinueError(null);
    try {
      const copy = await shareApi.continueIn(id);
      navigate(copy.url);
    } catch (error) {
      setContinueError(error instanceof Error ? error.message : String(error));
      setContinuing(false);
    }
  }

  if (view.state === 'loading') {
    return (
      <div className="splash" aria-busy="true">
        <span className="brand-mark" aria-hidden="true" /> Parley
      </div>
    );
  }
  if (view.state === 'gone') {
    return (
      <SharePlain title="This link was removed or never existed">
        <p className="muted">
          Whoever shared it may have revoked it or deleted the conversation. Ask them for a new link.
        </p>
        <a className="btn" href="/" onClick={(e) => go(e, '/')}>
          Go to Parley
        </a>
      </SharePlain>
    );
  }
  if (view.state === 'sign-in') {
    return (
      <SharePlain title="Sign in to read this conversation">
        <p className="muted">It is shared with the people who have an account on this Parley.</p>
        <a
          className="btn btn-primary"
          href={`/login?next=${encodeURIComponent(sharePath(id))}`}
          onClick={signIn}
        >
          Sign in
        </a>
      </SharePlain>
    );
  }
  if (view.state === 'error') {
    return (
      <SharePlain title="This conversation could not be loaded">
        <p role="alert">{view.message}</p>
        <button type="button" className="btn" onClick={() => void load()}>
          Retry
        </button>
      </SharePlain>
    );
  }

  const { share } = view;
  return (
    <div className="share-page">
      <header className="share-header">
        <a className="share-brand" href="/" onClick={(e) => go(e, '/')}>
          <span className="brand-mark" aria-hidden="true" /> Parley
        </a>
        <div className="share-heading">
          <h1 className="share-title">{title}</h1>
          <p className="share-sub">
            Shared conversation (read-only) · {shareDate(share.createdAt)}
            {share.visibility === 'users' ? ' · signed-in users only' : ''}
          </p>
        </div>
        <button
          type="button"
          className="btn btn-primary share-continue"
          disabled={continuing}
          aria-describedby="share-continue-hint"
          onClick={() => void continueInAccount()}
        >
          {continuing ? 'Copying…' : 'Continue in my account'}
        </button>
        <p id="share-continue-hint" className="sr-only">
          {signedIn
            ? 'Copies this conversation into your account, where you can reply.'
            : 'Sign in first; this page comes back after.'}
        </p>
      </header>
      {continueError && (
        <p className="form-error share-error" role="alert">
          {continueError}
        </p>
      )}
      <main className="share-messages" aria-label="Messages">
        {share.messages.length === 0 && <p className="muted">This conversation has no messages.</p>}
        {share.messages.map((message, index) => (
          // The snapshot never changes order: its index is the message's identity.
          // biome-ignore lint/suspicious/noArrayIndexKey: see above.
          <SharedItem key={index} message={message} index={index} />
        ))}
        <p className="sr-only" role="status" aria-live="polite">
          {streaming ? 'A reply is still being written.' : ''}
        </p>
      </main>
    </div>
  );
}
