import { memo, type ReactNode, useState } from 'react';
import type { FilePartDto } from '../../shared/message-parts.js';
import type { Message } from '../api.js';
import { copyText } from '../dates.js';
import { hasToolParts, isToolPart } from '../stream-parts.js';
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
import { ReasoningBlock } from './ReasoningBlock.js';
import { ToolCard } from './ToolCard.js';
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
  onAnswer?: (message: Message, toolCallId: string, approved: boolean, reason?: string) => Promise<boolean>;
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

const Typing = () => (
  <span className="typing" role="img" aria-label="Writing">
    <span />
    <span />
    <span />
  </span>
);

/**
 * A reply that used tools, drawn part by part in order: each step's reasoning (folded), text and
 * tool calls. The dots show while the model works on a step that has nothing to show yet.
 */
function OrderedParts({
  message,
  streaming,
  disabled,
  onAnswer,
}: {
  message: Message;
  streaming: boolean;
  disabled: boolean;
  onAnswer?: Props['onAnswer'];
}) {
  const parts = message.parts;
  const out: ReactNode[] = [];
  const last = parts[parts.length - 1];
  // Keys by step and kind: a part keeps its key (and a folded block its state) as the reply grows.
  let step = 0;
  let inStep = 0;
  for (const part of parts) {
    if (part.type === 'step-start') {
      step += 1;
      inStep = 0;
      continue;
    }
    inStep += 1;
    const key = `${step}.${inStep}`;
    if (part.type === 'reasoning') {
      out.push(<ReasoningBlock key={key} text={part.text} thinking={streaming && part === last} />);
    } else if (part.type === 'text') {
      if (part.text !== '') out.push(<Markdown key={key} source={part.text} />);
    } else if (isToolPart(part)) {
      out.push(
        <ToolCard
          key={part.toolCallId}
          part={part}
          active={streaming}
          disabled={disabled || streaming}
          onAnswer={
            onAnswer && message.status !== 'streaming'
              ? (toolCallId, approved, reason) => onAnswer(message, toolCallId, approved, reason)
              : undefined
          }
        />,
      );
    }
  }
  const idle = !last || last.type === 'step-start' || (last.type === 'text' && last.text === '');
  return (
    <>
      {out}
      {streaming && idle && <Typing />}
      {streaming && last?.type === 'text' && last.text !== '' && (
        <span className="cursor" aria-hidden="true" />
      )}
    </>
  );
}

function StatusNote({ message }: { message: Message }) {
  switch (message.status) {
    case 'waiting':
      return <p className="msg-note">Waiting for your approval of a tool call.</p>;
    case 'stopped':
      return <p className="msg-note">Stopped.</p>;
    case 'interrupted':
      return <p className="msg-note">Interrupted: the server stopped while writing this reply.</p>;
    default:
      return message.finishReason === 'length' ? (
        <p className="msg-note">Cut off at the model’s length limit.</p>
      ) : null;
  }
}

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
              <div className="msg-bubble user-text">{message.content}</div>
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
              />
            ) : (
              <>
                {reasoning !== '' && (
                  <ReasoningBlock text={reasoning} thinking={streaming && message.content === ''} />
                )}
                {message.content === '' && streaming ? <Typing /> : <Markdown source={message.content} />}
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
