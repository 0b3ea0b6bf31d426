import { type FormEvent, type ReactNode, useId, useRef, useState } from 'react';
import type { LiveToolPart } from '../stream-parts.js';
import { ChevronRight, ShieldIcon, WrenchIcon } from './icons.js';
import './ToolCard.css';

interface Props {
  part: LiveToolPart;
  /** The reply is streaming: a call without a result is still running (else it never finished). */
  active: boolean;
  /** Answering is not possible now (a run is under way in this conversation). */
  disabled: boolean;
  /** Approve or deny this call; resolves true when the server took the answer. */
  onAnswer?: (toolCallId: string, approved: boolean, reason?: string) => Promise<boolean>;
}

type Tone = 'run' | 'wait' | 'ok' | 'bad' | 'muted';

/** What the card says about the call's state, and how (a spinner while it runs). */
export function toolStatus(
  part: LiveToolPart,
  active: boolean,
): { label: string; tone: Tone; spin: boolean } {
  switch (part.state) {
    case 'input-available':
      if (!active) return { label: 'Not finished', tone: 'muted', spin: false };
      return part.inputText !== undefined
        ? { label: 'Preparing…', tone: 'run', spin: true }
        : { label: 'Running…', tone: 'run', spin: true };
    case 'approval-requested':
      return { label: 'Waiting for approval', tone: 'wait', spin: false };
    case 'approval-responded':
      if (part.approval?.approved === false) return { label: 'Denied', tone: 'bad', spin: false };
      return active
        ? { label: 'Approved, running…', tone: 'run', spin: true }
        : { label: 'Approved', tone: 'ok', spin: false };
    case 'output-available':
      return { label: 'Done', tone: 'ok', spin: false };
    case 'output-error':
      return { label: 'Failed', tone: 'bad', spin: false };
    case 'output-denied':
      return { label: 'Denied', tone: 'bad', spin: false };
  }
}

/** "12 ms", "1.4 s", "2 min 5 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return seconds > 0 ? `${minutes} min ${seconds} s` : `${minutes} min`;
}

/** The call's arguments as the card shows them: pretty JSON (the raw text while it streams in). */
export function argumentsText(part: LiveToolPart): string {
  if (part.inputText !== undefined && part.input === undefined) return part.inputText;
  if (part.input === undefined) return '';
  try {
    return JSON.stringify(part.input, null, 2) ?? '';
  } catch {
    return String(part.input);
  }
}

/** One line of a longer text, for a folded section's summary. */
const preview = (text: string) => text.replace(/\s+/g, ' ').trim();

/** A section of the card that folds: a real button with aria-expanded, and the region it controls. */
function Fold({
  label,
  summary,
  open,
  onToggle,
  children,
}: {
  label: string;
  summary: string;
  open: boolean;
  onToggle: () => void;
  children: ReactNode;
}) {
  const id = useId();
  return (
    <div className="tool-fold">
      <button
        type="button"
        className="tool-fold-toggle"
        aria-expanded={open}
        aria-controls={id}
        onClick={onToggle}
      >
        <span className="tool-chevron" aria-hidden="true">
          <ChevronRight />
        </span>
        <span className="tool-fold-label">{label}</span>
        {!open && summary !== '' && <span className="tool-fold-preview">{summary}</span>}
      </button>
      <div id={id} className="tool-fold-body" hidden={!open}>
        {children}
      </div>
    </div>
  );
}

/** Approve, or deny with an optional reason (asked for in place, not in a modal). */
function ApprovalActions({
  disabled,
  onAnswer,
}: {
  disabled: boolean;
  onAnswer: (approved: boolean, reason?: string) => Promise<boolean>;
}) {
  const [denying, setDenying] = useState(false);
  const [reason, setReason] = useState('');
  const [sending, setSending] = useState(false);
  const reasonRef = useRef<HTMLInputElement>(null);
  const denyRef = useRef<HTMLButtonElement>(null);
  const id = useId();

  async function answer(approved: boolean, why?: string) {
    setSending(true);
    const ok = await onAnswer(approved, why);
    // On success the card changes state (and these buttons go); on failure they come back.
    if (!ok) setSending(false);
  }

  if (denying) {
    const submit = (event: FormEvent) => {
      event.preventDefault();
      void answer(false, reason.trim() || undefined);
    };
    return (
      <form className="tool-deny" onSubmit={submit}>
        <label htmlFor={id} className="tool-deny-label">
          Why not? <span className="muted">(optional, the model is told)</span>
        </label>
        <input
          ref={reasonRef}
          id={id}
          type="text"
          className="tool-deny-input"
          maxLength={1000}
          value={reason}
          disabled={sending}
          onChange={(e) => setReason(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.preventDefault();
              setDenying(false);
              requestAnimationFrame(() => denyRef.current?.focus());
            }
          }}
        />
        <div className="tool-actions">
          <button type="submit" className="btn btn-small btn-danger-outline" disabled={disabled || sending}>
            Deny
          </button>
          <button
            type="button"
            className="btn btn-small"
            disabled={sending}
            onClick={() => {
              setDenying(false);
              requestAnimationFrame(() => denyRef.current?.focus());
            }}
          >
            Cancel
          </button>
        </div>
      </form>
    );
  }
  return (
    <div className="tool-actions">
      <button
        type="button"
        className="btn btn-small btn-primary"
        disabled={disabled || sending}
        onClick={() => void answer(true)}
      >
        Approve
      </button>
      <button
        ref={denyRef}
        type="button"
        className="btn btn-small"
        disabled={disabled || sending}
        onClick={() => {
          setDenying(true);
          requestAnimationFrame(() => reasonRef.current?.focus());
        }}
      >
        Deny…
      </button>
    </div>
  );
}

/**
 * One tool call in a reply: the tool, its state (running, waiting for approval, done, failed,
 * denied), its arguments and result (folded; the arguments shown open while they wait for a yes),
 * how long it ran, and Approve / Deny when it waits for the user.
 */
export function ToolCard({ part, active, disabled, onAnswer }: Props) {
  const status = toolStatus(part, active);
  const waiting = part.state === 'approval-requested';
  // null: as the state suggests (arguments open while they wait for an answer); else the user's choice.
  const [argsOpen, setArgsOpen] = useState<boolean | null>(null);
  const [outputOpen, setOutputOpen] = useState(false);
  const args = argumentsText(part);
  const reason = part.approval?.approved === false ? part.approval.reason : undefined;
  return (
    // biome-ignore lint/a11y/useSemanticElements: a call's details, not a form's fields: a fieldset would announce a form.
    <div
      className="tool-card"
      role="group"
      aria-label={`Tool call: ${part.toolName}`}
      data-state={part.state}
      data-tool-call-id={part.toolCallId}
    >
      <div className="tool-head">
        <span className="tool-icon" aria-hidden="true">
          <WrenchIcon size={15} />
        </span>
        <code className="tool-name">{part.toolName}</code>
        <span className={`tool-status tone-${status.tone}`}>
          {status.spin && <span className="tool-spinner" aria-hidden="true" />}
          {status.tone === 'wait' && <ShieldIcon size={13} />}
          {status.label}
        </span>
        {part.durationMs !== undefined && (
          <span className="tool-duration" title="How long the tool ran">
            {formatDuration(part.durationMs)}
          </span>
        )}
      </div>
      {waiting && (
        <p className="tool-ask">
          {onAnswer
            ? 'The model wants to run this tool with these arguments. Allow it?'
            : 'This tool call waits for approval.'}
        </p>
      )}
      {(args !== '' || part.inputText !== undefined) && (
        <Fold
          label="Arguments"
          summary={preview(args)}
          open={argsOpen ?? waiting}
          onToggle={() => setArgsOpen(!(argsOpen ?? waiting))}
        >
          <pre className="tool-pre">{args === '' ? ' ' : args}</pre>
        </Fold>
      )}
      {part.output !== undefined && (
        <Fold
          label="Result"
          summary={preview(part.output)}
          open={outputOpen}
          onToggle={() => setOutputOpen(!outputOpen)}
        >
          <pre className="tool-pre tool-output">{part.output === '' ? '(empty)' : part.output}</pre>
        </Fold>
      )}
      {part.errorText && <p className="tool-error">{part.errorText}</p>}
      {reason && <p className="tool-reason">Reason: {reason}</p>}
      {waiting && onAnswer && (
        <ApprovalActions
          disabled={disabled}
          onAnswer={(approved, why) => onAnswer(part.toolCallId, approved, why)}
        />
      )}
    </div>
  );
}
