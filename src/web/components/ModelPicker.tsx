import { useId } from 'react';
import type { ModelInfo, ModelList } from '../api.js';
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

/** The conversation's model (remembered on the server), with each provider's health. */
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
          return (
            <option key={model.id} value={model.id} disabled={!model.available}>
              {model.name}
              {note ? ` — ${note}` : ''}
            </option>
          );
        })}
      </select>
      {state && <span className="sr-only">{`(${state})`}</span>}
    </div>
  );
}
