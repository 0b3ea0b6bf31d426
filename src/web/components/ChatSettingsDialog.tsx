import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { MAX_SYSTEM_PROMPT_CHARS, MAX_TEMPERATURE } from '../../shared/api-schemas.js';
import { ApiError, api, type Conversation, type ModelList, updateChatSettings } from '../api.js';
import { toggled, toolGroups, useToolList } from '../hooks/use-tools.js';
import {
  type FieldErrors,
  fieldOfError,
  formOf,
  lengthNote,
  maxTokensLimit,
  patchOf,
  type SettingsForm,
} from './ChatSettingsDialog.form.js';
import { ModelPicker } from './ModelPicker.js';
import './ConfirmDialog.css';
import './ChatSettingsDialog.css';

interface Props {
  conversationId: string;
  models: ModelList | null;
  /** The dialog closes itself after a save or a cancel. */
  onClose: () => void;
  onSaved: (conversation: Conversation) => void;
}

/** Where the temperature slider rests while the setting is the provider's default. */
const SLIDER_REST = 1;

/**
 * A conversation's settings in a modal dialog: system prompt, model, temperature, max output
 * tokens and tools. It reads the conversation afresh when it opens (what was saved, from any tab),
 * saves only what changed, and shows the server's refusal under the field it is about.
 * Default export: loaded on first use (ConversationMenu), not with the chat.
 */
export default function ChatSettingsDialog({ conversationId, models, onClose, onSaved }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const returnTo = useRef<HTMLElement | null>(null);
  const id = useId();
  const [saved, setSaved] = useState<Conversation | null>(null);
  const [form, setForm] = useState<SettingsForm | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [loadError, setLoadError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const tools = useToolList();
  const servers = tools.list?.servers ?? [];

  useEffect(() => {
    const dialog = ref.current;
    returnTo.current = document.activeElement as HTMLElement | null;
    dialog?.showModal();
    return () => {
      if (dialog?.open) dialog.close();
      returnTo.current?.focus();
    };
  }, []);

  useEffect(() => {
    let live = true;
    api.conversation(conversationId).then(
      (conversation) => {
        if (!live) return;
        setSaved(conversation);
        setForm(formOf(conversation));
      },
      (err: unknown) => live && setLoadError(err instanceof Error ? err.message : String(err)),
    );
    return () => {
      live = false;
    };
  }, [conversationId]);

  // Once loaded, focus goes to the first field.
  useEffect(() => {
    if (saved) ref.current?.querySelector<HTMLElement>('textarea')?.focus();
  }, [saved]);

  const modelInfo = models?.models.find((model) => model.id === form?.model);
  const limit = maxTokensLimit(modelInfo);
  const set = (patch: Partial<SettingsForm>) => {
    setForm((current) => (current ? { ...current, ...patch } : current));
    setErrors((current) => {
      const next = { ...current, form: undefined };
      for (const key of Object.keys(patch)) delete next[key as keyof FieldErrors];
      return next;
    });
  };

  async function save(event: FormEvent) {
    event.preventDefault();
    if (!form || !saved || saving) return;
    const checked = patchOf(form, saved, limit);
    if ('errors' in checked) {
      setErrors(checked.errors);
      const first = Object.keys(checked.errors)[0];
      ref.current?.querySelector<HTMLElement>(`[data-field="${first}"]`)?.focus();
      return;
    }
    if (Object.keys(checked.patch).length === 0) {
      onClose();
      return;
    }
    setSaving(true);
    try {
      const updated = await updateChatSettings(conversationId, checked.patch);
      onSaved(updated);
      onClose();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const field = fieldOfError(message, err instanceof ApiError ? err.code : '');
      setErrors({ [field]: message });
      ref.current?.querySelector<HTMLElement>(`[data-field="${field}"]`)?.focus();
    } finally {
      setSaving(false);
    }
  }

  const errorId = (field: keyof FieldErrors) => `${id}-${field}-error`;
  const describe = (field: keyof FieldErrors, hint?: string) =>
    [hint, errors[field] ? errorId(field) : undefined].filter(Boolean).join(' ') || undefined;
  const fieldError = (field: keyof FieldErrors) =>
    errors[field] ? (
      <p id={errorId(field)} className="settings-field-error" role="alert">
        {errors[field]}
      </p>
    ) : null;
  const temperature = form?.temperature.trim() ?? '';

  return (
    <dialog
      ref={ref}
      className="dialog chat-settings"
      aria-labelledby={`${id}-title`}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      <h2 id={`${id}-title`}>Chat settings</h2>
      {!form ? (
        loadError ? (
          <>
            <p className="settings-field-error" role="alert">
              {loadError}
            </p>
            <div className="dialog-actions">
              <button type="button" className="btn" onClick={onClose}>
                Close
              </button>
            </div>
          </>
        ) : (
          <p className="muted" role="status">
            Loading…
          </p>
        )
      ) : (
        <form className="chat-settings-form" onSubmit={save} noValidate>
          <div className="settings-field">
            <div className="settings-label-row">
              <label htmlFor={`${id}-prompt`}>System prompt</label>
              <span
                id={`${id}-prompt-count`}
                className={`muted settings-count${form.systemPrompt.length > MAX_SYSTEM_PROMPT_CHARS ? ' over' : ''}`}
              >
                {lengthNote(form.systemPrompt)}
              </span>
            </div>
            <textarea
              id={`${id}-prompt`}
              data-field="systemPrompt"
              rows={5}
              value={form.systemPrompt}
              placeholder="Instructions the model reads before every reply in this chat"
              aria-invalid={errors.systemPrompt ? true : undefined}
              aria-describedby={describe('systemPrompt', `${id}-prompt-count`)}
              onChange={(event) => set({ systemPrompt: event.target.value })}
            />
            {fieldError('systemPrompt')}
          </div>

          <div className="settings-field">
            <span className="settings-label" id={`${id}-model-label`}>
              Model
            </span>
            {/* biome-ignore lint/a11y/useSemanticElements: a labelled group around the picker's button */}
            <div role="group" aria-labelledby={`${id}-model-label`} data-field="model" tabIndex={-1}>
              <ModelPicker models={models} value={form.model} onChange={(model) => set({ model })} />
            </div>
            {fieldError('model')}
          </div>

          <div className="settings-field">
            <div className="settings-label-row">
              <label htmlFor={`${id}-temperature`}>Temperature</label>
              <span className="muted" id={`${id}-temperature-note`}>
                {temperature === '' ? 'default (the provider’s)' : 'lower: steadier, higher: more varied'}
              </span>
            </div>
            <div className="settings-range-row">
              <input
                type="range"
                min={0}
                max={MAX_TEMPERATURE}
                step={0.05}
                aria-label="Temperature slider"
                className={temperature === '' ? 'at-default' : undefined}
                value={
                  temperature === '' || !Number.isFinite(Number(temperature))
                    ? SLIDER_REST
                    : Number(temperature)
                }
                onChange={(event) => set({ temperature: event.target.value })}
              />
              <input
                id={`${id}-temperature`}
                data-field="temperature"
                className="settings-number"
                type="number"
                inputMode="decimal"
                min={0}
                max={MAX_TEMPERATURE}
                step={0.05}
                placeholder="default"
                value={form.temperature}
                aria-invalid={errors.temperature ? true : undefined}
                aria-describedby={describe('temperature', `${id}-temperature-note`)}
                onChange={(event) => set({ temperature: event.target.value })}
              />
              <button
                type="button"
                className="btn btn-small"
                disabled={temperature === ''}
                onClick={() => set({ temperature: '' })}
              >
                Default
              </button>
            </div>
            {fieldError('temperature')}
          </div>

          <div className="settings-field">
            <div className="settings-label-row">
              <label htmlFor={`${id}-tokens`}>Max output tokens</label>
              <span className="muted" id={`${id}-tokens-note`}>
                1 – {limit.toLocaleString('en-US')}; empty: the default
              </span>
            </div>
            <input
              id={`${id}-tokens`}
              data-field="maxOutputTokens"
              className="settings-number"
              type="number"
              inputMode="numeric"
              min={1}
              max={limit}
              step={1}
              placeholder="default"
              value={form.maxOutputTokens}
              aria-invalid={errors.maxOutputTokens ? true : undefined}
              aria-describedby={describe('maxOutputTokens', `${id}-tokens-note`)}
              onChange={(event) => set({ maxOutputTokens: event.target.value })}
            />
            {fieldError('maxOutputTokens')}
          </div>

          {servers.length > 0 && (
            <fieldset className="settings-field settings-tools" data-field="tools" tabIndex={-1}>
              <legend>Tools</legend>
              {toolGroups(servers, form.tools).map((group) => (
                <div key={group.name} className="settings-tool-group">
                  <p className="settings-tool-server">
                    {group.name}
                    {group.state !== 'ready' && <span className="muted"> ({group.state})</span>}
                  </p>
                  {group.rows.length === 0 && <p className="muted">No tools available now.</p>}
                  {group.rows.map((row) => (
                    <label key={row.id} className="settings-tool" title={row.description || undefined}>
                      <input
                        type="checkbox"
                        checked={form.tools.includes(row.id)}
                        onChange={(event) =>
                          set({ tools: toggled(form.tools, row.id, event.target.checked) })
                        }
                      />
                      <span>
                        {row.name}
                        {row.requiresApproval && <span className="muted"> · asks first</span>}
                        {row.missing && <span className="muted"> · unavailable</span>}
                      </span>
                    </label>
                  ))}
                </div>
              ))}
              {fieldError('tools')}
            </fieldset>
          )}

          {errors.form && (
            <p className="settings-field-error" role="alert">
              {errors.form}
            </p>
          )}
          <div className="dialog-actions">
            <button type="button" className="btn" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="btn btn-primary" disabled={saving}>
              {saving ? 'Saving…' : 'Save'}
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}
