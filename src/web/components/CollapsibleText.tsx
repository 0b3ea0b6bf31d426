import { useId, useState } from 'react';
import './CollapsibleText.css';

/** A user message longer than this many lines or characters is shown folded. */
const FOLD_LINES = 25;
const FOLD_CHARS = 2000;

/**
 * A user's message as plain text in its bubble; a long paste (a log, a file) is folded to a few
 * screens' worth with a "Show all (N lines)" toggle instead of filling the conversation.
 */
export function CollapsibleText({ text, className }: { text: string; className: string }) {
  const lines = text.split('\n').length;
  const long = lines > FOLD_LINES || text.length > FOLD_CHARS;
  const [open, setOpen] = useState(false);
  const id = useId();
  if (!long) return <div className={className}>{text}</div>;
  return (
    <div className={`${className} text-foldable`}>
      <div id={id} className={open ? 'text-fold-body' : 'text-fold-body text-folded'}>
        {text}
      </div>
      <button
        type="button"
        className="text-fold-toggle"
        aria-expanded={open}
        aria-controls={id}
        onClick={() => setOpen(!open)}
      >
        {open ? 'Show less' : `Show all (${lines} ${lines === 1 ? 'line' : 'lines'})`}
      </button>
    </div>
  );
}
