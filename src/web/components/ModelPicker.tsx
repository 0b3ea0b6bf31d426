import { useId } from 'react';
import type { ModelInfo, ModelList } from '../api.js';
import { ImageIcon } from './icons.js';
import './ModelPicker.css';

interface Props {
  models: ModelList | null;
  value: string | null;
  onChange: (model: string) => void;
}

function health(model: ModelInfo): string {
  if (!model.available) return 'unavailable';
  if (model.breaker === 'open') return 'failing: paused after repeated errors';
  if (model.breaker === 'half-open') return 'recovering';
  return '';
}

/** What a model reads besides text, for its menu entry ("reads images and PDFs"). */
export function readsNote(model: ModelInfo): string {
  const kinds = [model.input.includes('image') && 'images', model.input.includes('pdf') && 'PDFs'];
  const named = kinds.filter((kind): kind is string => Boolean(kind));
  return named.length > 0 ? `reads ${named.join(' and ')}` : '';
}

/**
 * The conversation's model (remembered on the server), with each provider's health and what each
 * model reads (an image icon beside the menu when the chosen one takes images).
 */
export function ModelPicker({ models, value, onChange }: Props) {
  const id = useId();
  const list = models?.models ?? [];
  const current = list.find((model) => model.id === value);
  const state = current ? health(current) : value ? 'not configured on this server' : '';
  return (
    <div className="model-picker">
      <label htmlFor={id} className="sr-only">
        Model
      </label>
      <span
        className={`health-dot ${state ? (current?.breaker === 'half-open' ? 'warn' : 'bad') : 'ok'}`}
        aria-hidden="true"
      />
      <select
        id={id}
        value={value ?? ''}
        onChange={(e) => onChange(e.target.value)}
        disabled={list.length === 0}
      >
        {value && !current && <option value={value}>{value} (not configured)</option>}
        {list.map((model) => {
          const note = health(model);
          // The option's text stays the name and health (a menu entry the user reads at a glance);
          // what it reads is its tooltip, and the icon beside the menu for the chosen model.
          return (
            <option
              key={model.id}
              value={model.id}
              disabled={!model.available}
              title={readsNote(model) || undefined}
            >
              {model.name}
              {note ? ` — ${note}` : ''}
            </option>
          );
        })}
      </select>
      {current?.input.includes('image') && (
        <span className="reads-images" title={`${current.name} ${readsNote(current)}`}>
          <ImageIcon size={15} />
          <span className="sr-only">{readsNote(current)}</span>
        </span>
      )}
      {state && <span className="sr-only">{`(${state})`}</span>}
    </div>
  );
}
