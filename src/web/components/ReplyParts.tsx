import type { ReactNode } from 'react';
import type { Message } from '../api.js';
import { isToolPart, type Waiting } from '../stream-parts.js';
import { Markdown } from './Markdown.js';
import { ReasoningBlock } from './ReasoningBlock.js';
import { ReplyWaiting } from './ReplyWaiting.js';
import { ToolCard } from './ToolCard.js';

/** Answers one of the reply's tool calls; resolves true when the server took the answer. */
export type OnAnswer = (
  message: Message,
  toolCallId: string,
  approved: boolean,
  reason?: string,
) => Promise<boolean>;

/**
 * The reply has nothing to show yet: the dots, with the wait's status (model, retries, seconds)
 * when the run that writes it is followed here.
 */
export function Typing({ model, waiting }: { model: string; waiting?: Waiting }) {
  if (waiting) return <ReplyWaiting model={model} since={waiting.since} retry={waiting.retry} />;
  return (
    <span className="typing" role="img" aria-label="Writing">
      <span />
      <span />
      <span />
    </span>
  );
}

/**
 * A reply that used tools, drawn part by part in order: each step's reasoning (folded), text and
 * tool calls. The dots show while the model works on a step that has nothing to show yet.
 */
export function OrderedParts({
  message,
  streaming,
  disabled,
  onAnswer,
  model,
  waiting,
}: {
  message: Message;
  streaming: boolean;
  disabled: boolean;
  onAnswer?: OnAnswer;
  model: string;
  waiting?: Waiting;
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
      {streaming && idle && <Typing model={model} waiting={waiting} />}
      {streaming && last?.type === 'text' && last.text !== '' && (
        <span className="cursor" aria-hidden="true" />
      )}
    </>
  );
}

export function StatusNote({ message }: { message: Message }) {
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
