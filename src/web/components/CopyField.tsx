import { copyText } from '../dates.js';

/**
 * A value shown once to copy (a new token, invite code or link): read-only, selected on focus, with
 * a Copy button. The caller keeps whether it was copied, so it can reset that (a new value) or keep
 * one of several fields marked.
 */
export function CopyField({
  label,
  value,
  copied,
  onCopied,
  buttonLabel,
  idle = 'Copy',
  done = 'Copied',
  className,
}: {
  /** The field's accessible name. */
  label: string;
  value: string;
  copied: boolean;
  /** After each click: whether the copy worked. */
  onCopied: (ok: boolean) => void;
  /** The button's accessible name where its text alone would be ambiguous. */
  buttonLabel?: string;
  idle?: string;
  done?: string;
  className?: string;
}) {
  return (
    <div className={className ? `token-value ${className}` : 'token-value'}>
      <input
        className="token-input"
        readOnly
        aria-label={label}
        value={value}
        onFocus={(e) => e.target.select()}
      />
      <button
        type="button"
        className="btn btn-small"
        aria-label={buttonLabel}
        onClick={() => void copyText(value).then(onCopied)}
      >
        {copied ? done : idle}
      </button>
    </div>
  );
}
