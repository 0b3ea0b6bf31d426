import { type FormEvent, type ReactNode, useId, useState } from 'react';
import type { AdminGroup, GroupInput } from './admin-api.js';
import { type DraftErrors, draftOf, parseDraft, toggle } from './group-form.js';

/** A choice for the model and tool lists: its id (sent) and what the admin reads. */
export interface Option {
  id: string;
  label: string;
}

interface Props {
  /** The group edited; none: a new group. */
  group?: AdminGroup;
  models: Option[] | null;
  tools: Option[] | null;
  busy: boolean;
  /** Resolves true when saved (the form closes). */
  onSave: (input: GroupInput) => Promise<boolean>;
  onCancel: () => void;
}

/** Name, shared token quotas (blank: none), and the models and tools the group allows. */
export function GroupEditor({ group, models, tools, busy, onSave, onCancel }: Props) {
  const [draft, setDraft] = useState(() => draftOf(group));
  const [errors, setErrors] = useState<DraftErrors>({});
  const id = useId();
  const set = (patch: Partial<typeof draft>) => setDraft((d) => ({ ...d, ...patch }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    const parsed = parseDraft(draft);
    if (!parsed.ok) return setErrors(parsed.errors);
    setErrors({});
    if (await onSave(parsed.input)) onCancel();
  }

  const what = group ? group.name : 'the new group';
  return (
    <form
      className="group-editor"
      onSubmit={submit}
      noValidate
      aria-label={group ? `Edit ${group.name}` : 'New group'}
    >
      <div className="group-fields">
        <Field id={`${id}-name`} label="Name" error={errors.name}>
          <input
            id={`${id}-name`}
            value={draft.name}
            maxLength={100}
            required
            autoComplete="off"
            aria-invalid={errors.name ? true : undefined}
            aria-describedby={errors.name ? `${id}-name-error` : undefined}
            onChange={(e) => set({ name: e.target.value })}
          />
        </Field>
        <Field id={`${id}-daily`} label="Shared tokens a day" error={errors.daily}>
          <input
            id={`${id}-daily`}
            inputMode="numeric"
            value={draft.daily}
            placeholder="no group quota"
            aria-invalid={errors.daily ? true : undefined}
            aria-describedby={`${id}-quota-hint${errors.daily ? ` ${id}-daily-error` : ''}`}
            onChange={(e) => set({ daily: e.target.value })}
          />
        </Field>
        <Field id={`${id}-monthly`} label="Shared tokens a month" error={errors.monthly}>
          <input
            id={`${id}-monthly`}
            inputMode="numeric"
            value={draft.monthly}
            placeholder="no group quota"
            aria-invalid={errors.monthly ? true : undefined}
            aria-describedby={`${id}-quota-hint${errors.monthly ? ` ${id}-monthly-error` : ''}`}
            onChange={(e) => set({ monthly: e.target.value })}
          />
        </Field>
      </div>
      <p id={`${id}-quota-hint`} className="muted small">
        The members share these tokens (UTC day and month). Blank: the group sets no quota (the server’s
        default applies to each member); 0: no limit. A member with a limit of their own uses only that.
      </p>
      <Choice
        legend="Models"
        every="Every model"
        all={draft.allModels}
        options={models}
        picked={draft.models}
        error={errors.models}
        onAll={(allModels) => set({ allModels })}
        onPick={(mid, on) => set({ models: toggle(draft.models, mid, on) })}
      />
      <Choice
        legend="Tools"
        every="Every tool the member’s role allows"
        all={draft.allTools}
        options={tools}
        picked={draft.tools}
        empty="No MCP tools are configured on this server."
        onAll={(allTools) => set({ allTools })}
        onPick={(tid, on) => set({ tools: toggle(draft.tools, tid, on) })}
      />
      <div className="group-editor-actions">
        <button type="submit" className="btn btn-primary btn-small" disabled={busy}>
          {group ? `Save ${what}` : 'Create group'}
        </button>
        <button type="button" className="btn btn-small" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function Field(props: { id: string; label: string; error?: string; children: ReactNode }) {
  return (
    <span className="field">
      <label htmlFor={props.id}>{props.label}</label>
      {props.children}
      {props.error && (
        <span id={`${props.id}-error`} className="form-error small">
          {props.error}
        </span>
      )}
    </span>
  );
}

interface ChoiceProps {
  legend: string;
  every: string;
  all: boolean;
  options: Option[] | null;
  picked: string[];
  error?: string;
  empty?: string;
  onAll: (all: boolean) => void;
  onPick: (id: string, on: boolean) => void;
}

/** "Every …" or "Only these", then a checkbox per option (ids the group lists but the server lost stay shown). */
function Choice({ legend, every, all, options, picked, error, empty, onAll, onPick }: ChoiceProps) {
  const id = useId();
  const known = options ?? [];
  const lost = picked
    .filter((p) => !known.some((o) => o.id === p))
    .map((p) => ({ id: p, label: `${p} (not configured)` }));
  const list = [...known, ...lost];
  return (
    <fieldset className="group-choice" aria-describedby={error ? `${id}-error` : undefined}>
      <legend>{legend}</legend>
      <div className="group-choice-modes">
        <label>
          <input type="radio" name={`${id}-mode`} checked={all} onChange={() => onAll(true)} /> {every}
        </label>
        <label>
          <input type="radio" name={`${id}-mode`} checked={!all} onChange={() => onAll(false)} /> Only these
        </label>
      </div>
      {!all && options === null && <p className="muted small">Loading…</p>}
      {!all && options !== null && list.length === 0 && (
        <p className="muted small">{empty ?? 'None to pick.'}</p>
      )}
      {!all && list.length > 0 && (
        <ul className="group-checks">
          {list.map((option) => (
            <li key={option.id}>
              <label>
                <input
                  type="checkbox"
                  checked={picked.includes(option.id)}
                  onChange={(e) => onPick(option.id, e.target.checked)}
                />{' '}
                {option.label}
              </label>
            </li>
          ))}
        </ul>
      )}
      {error && (
        <p id={`${id}-error`} className="form-error small">
          {error}
        </p>
      )}
    </fieldset>
  );
}
