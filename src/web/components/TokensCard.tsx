import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { type ApiToken, api, type CreatedApiToken } from '../api.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { CopyField } from './CopyField.js';
import { parseBudget, TokenBudget } from './TokenBudget.js';
import './TokensCard.css';

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : 'never');

/** API tokens: create (with an optional daily budget), see each one's use today, change budgets, revoke. */
export function TokensCard() {
  const [tokens, setTokens] = useState<ApiToken[] | null>(null);
  const [name, setName] = useState('');
  const [budget, setBudget] = useState('');
  const [created, setCreated] = useState<CreatedApiToken | null>(null);
  const [copied, setCopied] = useState(false);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setTokens((await api.tokens()).items);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  async function create(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const daily = parseBudget(budget);
    if (daily === 'invalid') {
      setError('The daily budget must be a whole number of tokens (at least 1), or empty for none.');
      return;
    }
    try {
      const token = await api.createToken(name.trim(), daily);
      setCreated(token);
      setCopied(false);
      setName('');
      setBudget('');
      await load();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }

  async function revoke(token: ApiToken) {
    setRevoking(null);
    try {
      await api.deleteToken(token.id);
      if (created?.id === token.id) setCreated(null);
      await load();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }

  return (
    <section className="card" aria-labelledby="tokens-title">
      <h2 id="tokens-title">API tokens</h2>
      <p className="muted">
        For scripts and OpenAI-compatible clients: send <code>Authorization: Bearer &lt;token&gt;</code> to{' '}
        <code>/api</code> or <code>/v1</code>. A daily budget caps the tokens a token may spend per day (UTC).
      </p>
      <form className="token-form" onSubmit={create}>
        <label className="field grow">
          <span>Token name</span>
          <input
            value={name}
            required
            maxLength={100}
            placeholder="e.g. laptop script"
            onChange={(e) => setName(e.target.value)}
          />
        </label>
        <label className="field token-budget-field">
          <span>Daily budget (optional)</span>
          <input
            inputMode="numeric"
            value={budget}
            placeholder="no limit"
            aria-describedby="token-budget-hint"
            onChange={(e) => setBudget(e.target.value)}
          />
        </label>
        <button type="submit" className="btn btn-primary" disabled={!name.trim()}>
          Create token
        </button>
      </form>
      <p id="token-budget-hint" className="sr-only">
        Tokens per day; leave empty for no budget beyond your account’s quota.
      </p>
      {created && (
        <div className="token-created" role="status">
          <p>
            <strong>Copy your new token now.</strong> It is shown only this once.
          </p>
          <CopyField label="New API token" value={created.token} copied={copied} onCopied={setCopied} />
        </div>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {tokens && tokens.length === 0 && <p className="muted">No tokens yet.</p>}
      {tokens && tokens.length > 0 && (
        <ul className="token-list">
          {tokens.map((token) => (
            <li key={token.id} className="token-item token-item-wrap">
              <div className="token-info">
                <strong>{token.name}</strong> <code>{token.prefix}…</code>
                <div className="muted small">
                  Created {when(token.createdAt)} · last used {when(token.lastUsedAt)}
                </div>
                <TokenBudget
                  token={token}
                  onSaved={(saved) =>
                    setTokens((list) => list?.map((item) => (item.id === saved.id ? saved : item)) ?? null)
                  }
                />
              </div>
              <button
                type="button"
                className="btn btn-small btn-danger-outline"
                aria-label={`Revoke token “${token.name}”`}
                onClick={() => setRevoking(token)}
              >
                Revoke
              </button>
            </li>
          ))}
        </ul>
      )}
      <ConfirmDialog
        open={revoking !== null}
        title="Revoke token?"
        confirmLabel="Revoke"
        danger
        onConfirm={() => revoking && void revoke(revoking)}
        onCancel={() => setRevoking(null)}
      >
        Anything using “{revoking?.name}” stops working at once.
      </ConfirmDialog>
    </section>
  );
}
