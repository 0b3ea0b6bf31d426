import { type FormEvent, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { SendIcon, StopIcon } from './icons.js';
import './Composer.css';

interface Props {
  running: boolean;
  busy: boolean;
  disabled: boolean;
  onSend: (content: string) => Promise<boolean>;
  onStop: () => void;
}

const MAX_CHARS = 100_000;

/** The message box: Enter sends, Shift+Enter adds a line, Esc stops (handled by the view). */
export function Composer({ running, busy, disabled, onSend, onStop }: Props) {
  const [text, setText] = useState('');
  const ref = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    // On a phone, focusing would pop the keyboard over the conversation.
    if (window.matchMedia('(pointer: fine)').matches) ref.current?.focus();
  }, []);

  // Grow with the text, up to a limit (then scroll).
  useLayoutEffect(() => {
    const area = ref.current;
    if (!area || area.value !== text) return;
    area.style.height = 'auto';
    area.style.height = `${Math.min(area.scrollHeight, 240)}px`;
  }, [text]);

  const canSend = text.trim() !== '' && !running && !busy && !disabled;

  async function submit(event?: FormEvent) {
    event?.preventDefault();
    if (!canSend) return;
    const content = text;
    setText('');
    if (!(await onSend(content))) setText((current) => current || content);
    ref.current?.focus();
  }

  return (
    <form className="composer" onSubmit={submit}>
      <textarea
        ref={ref}
        aria-label="Message"
        placeholder="Message Parley"
        rows={1}
        maxLength={MAX_CHARS}
        value={text}
        disabled={disabled}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
            e.preventDefault();
            void submit();
          }
        }}
      />
      {running ? (
        <button
          type="button"
          className="send-btn stop"
          aria-label="Stop the reply"
          title="Stop (Esc)"
          onClick={onStop}
        >
          <StopIcon />
        </button>
      ) : (
        <button
          type="submit"
          className="send-btn"
          aria-label="Send message"
          title="Send (Enter)"
          disabled={!canSend}
        >
          <SendIcon />
        </button>
      )}
    </form>
  );
}
