import { memo, useState } from 'react';
import type { FilePartDto } from '../../shared/message-parts.js';
import type { Message } from '../api.js';
import { copyText } from '../dates.js';
import { hasToolParts, type Waiting } from '../stream-parts.js';
import { CollapsibleText } from './CollapsibleText.js';
import { EditBox } from './EditBox.js';
import {
  CheckIcon,
  ChevronLeft,
  ChevronRight,
  ContinueIcon,
  CopyIcon,
  PencilIcon,
  RefreshIcon,
} from './icons.js';
import { Markdown } from './Markdown.js';
import { MessageAttachments } from './MessageAttachments.js';
import { useModelName } from './model-names.js';
import { ReasoningBlock } from './ReasoningBlock.js';
import { ReplyMeta } from './ReplyMeta.js';
import { type OnAnswer, OrderedParts, StatusNote, Typing } from './ReplyParts.js';
import './MessageItem.css';

interface Props {
  message: Message;
  siblingIndex: number;
  siblingCount: number;
  streaming: boolean;
  disabled: boolean;
  onRegenerate: (message: Message) => void;
  onContinue: (message: Message) => void;
  onEdit: (message: Message, content: string, files: string[]) => Promise<boolean>;
  onSibling: (message: Message, step: -1 | 1) => void;
  /** Approve or deny one of the reply's tool calls; resolves true when the server took the answer. */
  onAnswer?: OnAnswer;
  /** The run writing this reply waits for its model (streaming only): since when, and any retry. */
  waiting?: Waiting;
}

const NO_FILES: FilePartDto[] = [];

/** A message's attachments (older messages, and replies, have none). */
const filesOf = (message: Message): FilePartDto[] => {
  const files = (message.parts ?? []).filter((part): part is FilePartDto => part.type === 'file');
  return files.length > 0 ? files : NO_FILES;
};

/** A reply's reasoning (the reasoning parts joined); '' when it has none. */
const reasoningOf = (message: Message): string =>
  (message.parts ?? []).map((part) => (part.type === 'reasoning' ? part.text : '')).join('');

const continuable = (message: Message) =>
  message.role === 'assistant' &&
  (message.status === 'interrupted' ||
    message.status === 'stopped' ||
    message.status === 'error' ||
    (message.status === 'complete' && message.finishReason === 'length'));

/** One message: its text (user: plain text; assistant: markdown), its state, and its actions. */
export const MessageItem = memo(function MessageItem(props: Props) {
  const { message, siblingIndex, siblingCount, streaming, disabled } = props;
  const [editing, setEditing] = useState(false);
  const [copied, setCopied] = useState(false);
  const isUser = message.role === 'user';
  const who = isUser ? 'You' : 'Assistant';
  const files = filesOf(message);
  const reasoning = isUser ? '' : reasoningOf(message);
  const ordered = !isUser && hasToolParts(message.parts ?? []);
  const modelName = useModelName(isUser ? null : message.model) ?? 'the model';

  return (
    <article
      className={`msg msg-${message.role}`}
      aria-label={`${who}${siblingCount > 1 ? `, version ${siblingIndex + 1} of ${siblingCount}` : ''}`}
      data-message-id={message.id}
      data-status={streaming ? 'streaming' : message.status}
    >
      <div className="msg-inner">
        {editing ? (
          <EditBox
            initial={message.content}
            files={files}
            onCancel={() => setEditing(false)}
            onSubmit={async (content, fileIds) => {
              if (await props.onEdit(message, content, fileIds)) setEditing(false);
            }}
          />
        ) : isUser ? (
          <>
            {files.length > 0 && <MessageAttachments parts={files} />}
            {(message.content !== '' || files.length === 0) && (
              <CollapsibleText className="msg-bubble user-text" text={message.content} />
            )}
          </>
        ) : (
          <div className="msg-content">
            {ordered ? (
              <OrderedParts
                message={message}
                streaming={streaming}
                disabled={disabled}
                onAnswer={props.onAnswer}
                model={modelName}
                waiting={props.waiting}
              />
            ) : (
              <>
                {reasoning !== '' && (
                  <ReasoningBlock text={reasoning} thinking={streaming && message.content === ''} />
                )}
                {message.content === '' && streaming ? (
                  <Typing model={modelName} waiting={props.waiting} />
                ) : (
                  <Markdown source={message.content} />
                )}
                {streaming && message.content !== '' && <span className="cursor" aria-hidden="true" />}
              </>
            )}
            {files.length > 0 && <MessageAttachments parts={files} />}
            {!streaming && message.status === 'error' && (
              <div className="msg-error" role="alert">
                <span>{message.error ?? 'The model failed to answer.'}</span>
                <button
                  type="button"
                  className="btn btn-small"
                  disabled={disabled}
                  onClick={() => props.onRegenerate(message)}
                >
                  Retry
                </button>
              </div>
            )}
            {!streaming && <StatusNote message={message} />}
          </div>
        )}
        {!editing && (
          <div className="msg-toolbar">
            {!isUser && !streaming && <ReplyMeta message={message} modelName={modelName} />}
            {siblingCount > 1 && (
              <span className="siblings">
                <button
                  type="button"
                  className="icon-btn"
                  aria-label="Previous version"
                  disabled={siblingIndex <= 0}
                  onClick={() => props.onSibling(message, -1)}
                >
                  <ChevronLeft />
                </button>
                <span className="sibling-count">
                  {siblingIndex + 1} / {siblingCount}
                </span>
                <button
                  type="button"
                  className="icon-btn"
                  aria-label="Next version"
                  disabled={siblingIndex >= siblingCount - 1}
                  onClick={() => props.onSibling(message, 1)}
                >
                  <ChevronRight />
                </button>
              </span>
            )}
            {!streaming && (
              <button
                type="button"
                className="icon-btn"
                aria-label={copied ? 'Copied' : 'Copy message'}
                title="Copy"
                onClick={() =>
                  void copyText(message.content).then((ok) => {
                    setCopied(ok);
                    if (ok) setTimeout(() => setCopied(false), 1500);
                  })
                }
              >
                {copied ? <CheckIcon /> : <CopyIcon />}
              </button>
            )}
            {isUser && (
              <button
                type="button"
                className="icon-btn"
                aria-label="Edit and resend"
                title="Edit"
                disabled={disabled}
                onClick={() => setEditing(true)}
              >
                <PencilIcon />
              </button>
            )}
            {!isUser && !streaming && (
              <button
                type="button"
                className="icon-btn"
                aria-label="Regenerate reply"
                title="Regenerate"
                disabled={disabled}
                onClick={() => props.onRegenerate(message)}
              >
                <RefreshIcon />
              </button>
            )}
            {!streaming && continuable(message) && (
              <button
                type="button"
                className="btn btn-small"
                disabled={disabled}
                onClick={() => props.onContinue(message)}
              >
                <ContinueIcon /> Continue
              </button>
            )}
          </div>
        )}
      </div>
    </article>
  );
});
