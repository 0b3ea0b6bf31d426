import { useEffect, useId, useRef, useState } from 'react';
import { type ImportResult, importConversations } from '../api.js';
import { go } from './links.js';
import './ImportCard.css';

/** The server's limit on an import body (MAX_IMPORT_BODY_BYTES): a larger file is refused before upload. */
export const IMPORT_LIMIT_BYTES = 20 * 1024 * 1024;
/** Imported conversations linked by name in the result; the rest are counted. */
const LINKED = 5;

type State =
  | { step: 'idle' }
  | { step: 'uploading'; fraction: number; name: string }
  | { step: 'processing'; name: string }
  | { step: 'done'; result: ImportResult; name: string }
  | { step: 'failed'; error: string; name: string };

const plural = (n: number, one: string, many: string) =>
  `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** "Imported 12 conversations, 340 messages." */
export function importSummary(result: ImportResult): string {
  const messages = result.imported.reduce((sum, item) => sum + item.messages, 0);
  return `Imported ${plural(result.imported.length, 'conversation', 'conversations')}, ${plural(messages, 'message', 'messages')}.`;
}

const megabytes = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

/**
 * Settings' import: a Parley export or ChatGPT's `conversations.json`, uploaded with its progress
 * shown, then the server's answer: what was imported (the new chats also appear in the sidebar,
 * announced by the server) or why the file was refused.
 */
export function ImportCard() {
  const input = useRef<HTMLInputElement>(null);
  const abort = useRef<AbortController | null>(null);
  const id = useId();
  const [state, setState] = useState<State>({ step: 'idle' });
  const busy = state.step === 'uploading' || state.step === 'processing';

  // Leaving Settings mid-upload cancels it.
  useEffect(() => () => abort.current?.abort(), []);

  async function upload(file: File) {
    if (file.size > IMPORT_LIMIT_BYTES) {
      setState({
        step: 'failed',
        name: file.name,
        error: `This file is ${megabytes(file.size)}; an import may be at most ${megabytes(IMPORT_LIMIT_BYTES)}.`,
      });
      return;
    }
    const controller = new AbortController();
    abort.current = controller;
    setState({ step: 'uploading', fraction: 0, name: file.name });
    try {
      const result = await importConversations(
        file,
        (fraction) =>
          setState(
            fraction >= 1
              ? { step: 'processing', name: file.name }
              : { step: 'uploading', fraction, name: file.name },
          ),
        controller.signal,
      );
      setState({ step: 'done', result, name: file.name });
    } catch (err) {
      setState({ step: 'failed', name: file.name, error: err instanceof Error ? err.message : String(err) });
    } finally {
      abort.current = null;
    }
  }

  const percent = state.step === 'uploading' ? Math.round(state.fraction * 100) : null;

  return (
    <section className="card import-card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Import conversations</h2>
      <p className="muted">
        A Parley export (JSON) or <code>conversations.json</code> from ChatGPT’s data export, up to{' '}
        {megabytes(IMPORT_LIMIT_BYTES).replace('.0', '')}. Imported chats are added to yours; nothing is
        replaced.
      </p>
      <input
        ref={input}
        id={`${id}-file`}
        type="file"
        accept=".json,application/json"
        className="sr-only"
        tabIndex={-1}
        aria-hidden="true"
        aria-label="File to import"
        onChange={(event) => {
          const file = event.target.files?.[0];
          event.target.value = '';
          if (file) void upload(file);
        }}
      />
      <div className="import-actions">
        <button type="button" className="btn" disabled={busy} onClick={() => input.current?.click()}>
          Choose a file…
        </button>
        {busy && (
          <button type="button" className="btn btn-small" onClick={() => abort.current?.abort()}>
            Cancel
          </button>
        )}
      </div>
      <div className="import-status" role="status" aria-live="polite">
        {state.step === 'uploading' && (
          <>
            <p>
              Uploading <strong>{state.name}</strong>… {percent}%
            </p>
            <progress max={100} value={percent ?? 0} aria-label={`Uploading ${state.name}`} />
          </>
        )}
        {state.step === 'processing' && (
          <>
            <p>
              Uploaded <strong>{state.name}</strong>; importing its conversations…
            </p>
            <progress aria-label={`Importing ${state.name}`} />
          </>
        )}
        {state.step === 'done' && (
          <div className="import-result">
            <p>
              <strong>{importSummary(state.result)}</strong>
            </p>
            {state.result.imported.length > 0 && (
              <ul>
                {state.result.imported.slice(0, LINKED).map((item) => (
                  <li key={item.id}>
                    <a href={`/c/${encodeURIComponent(item.id)}`} onClick={(e) => go(e, `/c/${item.id}`)}>
                      {item.title ?? 'Untitled conversation'}
                    </a>{' '}
                    <span className="muted">({plural(item.messages, 'message', 'messages')})</span>
                  </li>
                ))}
                {state.result.imported.length > LINKED && (
                  <li className="muted">and {state.result.imported.length - LINKED} more, in the sidebar</li>
                )}
              </ul>
            )}
          </div>
        )}
      </div>
      {state.step === 'failed' && (
        <p className="import-error" role="alert">
          <strong>{state.name}</strong> was not imported: {state.error}
        </p>
      )}
    </section>
  );
}
