import { type KeyboardEvent, useEffect, useRef, useState } from 'react';

/** A conversation's title in place: Enter or leaving the field saves, Esc cancels (once either way). */
export function RenameInput({
  initial,
  onDone,
  onCancel,
  label = 'Conversation title',
  maxLength = 200,
}: {
  initial: string;
  onDone: (title: string) => void;
  onCancel: () => void;
  label?: string;
  maxLength?: number;
}) {
  const [value, setValue] = useState(initial);
  const ref = useRef<HTMLInputElement>(null);
  const finished = useRef(false);
  useEffect(() => {
    ref.current?.focus();
    ref.current?.select();
  }, []);
  const finish = (save: boolean) => {
    if (finished.current) return;
    finished.current = true;
    if (save) onDone(value);
    else onCancel();
  };
  return (
    <input
      ref={ref}
      className="rename-input"
      aria-label={label}
      value={value}
      maxLength={maxLength}
      onChange={(e) => setValue(e.target.value)}
      onKeyDown={(e: KeyboardEvent) => {
        if (e.key === 'Enter') finish(true);
        if (e.key === 'Escape') finish(false);
      }}
      onBlur={() => finish(true)}
    />
  );
}
