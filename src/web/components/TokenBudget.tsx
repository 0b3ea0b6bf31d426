import { type FormEvent, useId, useState } from 'react';
import { type ApiToken, api } from '../api.js';

const count = (n: number) => n.toLocaleString();

/** A budget field's text as the API wants it: a whole number ≥ 1, or null for none. */
export function parseBudget(text: string): number | null | 'invalid' {
  const trimmed = text.trim().replace(/[\s,_]/g, '');
  if (trimmed === '') return null;
  if (!/^\d+$/.test(trimmed) || Number(trimmed) < 1) return 'invalid';
  return Number(trimmed);
}

/** One token's daily budget: what it used today against it, and setting, changing or clearing it. */
export function TokenBudget({ token, onSaved }: { token: ApiToken; onSaved: (token: ApiToken) => void }) {
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();
  const budget = token.dailyTokenBudget;
  const spent = budget !== null && token.usedToday >= budget;

  async function save(next: number | null) {
    setBusy(true);
    setError(null);
    try {
      onSaved(await api.setTokenBudget(token.id, next));
      setEditing(false);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    const next = parseBudget(value);
    if (next === 'invalid') {
      setError('A whole number of tokens, at least 1.');
      return;
    }
    void save(next);
  }

  return (
    <div className="token-budget">
      <div className={`small${spent ? ' token-budget-spent' : ' muted'}`}>
        {budget === null
          ? `No daily budget · ${count(token.usedToday)} tokens used today`
          : `${count(token.usedToday)} of ${count(budget)} tokens used today${spent ? ' (budget used up)' : ''}`}
        {!editing && (
          <button
            type="button"
            className="btn-link"
            aria-label={`${budget === null ? 'Set' : 'Change'} the daily budget of “${token.name}”`}
            onClick={() => {
              setValue(budget === null ? '' : String(budget));
              setError(null);
              setEditing(true);
            }}
          >
            {budget === null ? 'Set budget' : 'Change'}
          </button>
        )}
      </div>
      {editing && (
        <form className="token-budget-form" onSubmit={submit}>
          <label className="sr-only" htmlFor={`${id}-budget`}>
            Daily budget of “{token.name}” in tokens
          </label>
          <input
            id={`${id}-budget`}
            inputMode="numeric"
            placeholder="tokens per day"
            value={value}
            // biome-ignore lint/a11y/noAutofocus: the field the user just asked for.
            autoFocus
            onChange={(e) => setValue(e.target.value)}
          />
          <button type="submit" className="btn btn-small btn-primary" disabled={busy}>
            Save
          </button>
          {budget !== null && (
            <button type="button" className="btn btn-small" disabled={busy} onClick={() => void save(null)}>
              Remove budget
            </button>
          )}
          <button type="button" className="btn btn-small" disabled={busy} onClick={() => setEditing(false)}>
            Cancel
          </button>
        </form>
      )}
      {error && (
        <p className="form-error small" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
