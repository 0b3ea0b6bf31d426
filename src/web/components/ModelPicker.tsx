import { useId, useRef, useState } from 'react';
import type { ModelList } from '../api.js';
import { ImageIcon } from './icons.js';
import { ModelMenu } from './ModelMenu.js';
import { health, readsNote } from './model-menu.js';
import './ModelPicker.css';

interface Props {
  models: ModelList | null;
  value: string | null;
  onChange: (model: string) => void;
}

/**
 * The conversation's model (remembered on the server): a button showing the chosen model, its
 * provider's health and whether it reads images, which opens a searchable menu of the models by
 * provider with what each can do and costs (ModelMenu).
 */
export function ModelPicker({ models, value, onChange }: Props) {
  const menuId = useId();
  const button = useRef<HTMLButtonElement>(null);
  const [open, setOpen] = useState(false);
  const list = models?.models ?? [];
  const current = list.find((model) => model.id === value);
  const state = current ? health(current) : value ? 'not configured on this server' : '';
  const name = current?.name ?? (value ? `${value} (not configured)` : 'No model');

  const close = (refocus: boolean) => {
    setOpen(false);
    if (refocus) button.current?.focus();
  };

  return (
    <div className="model-picker">
      <button
        ref={button}
        type="button"
        className="model-button"
        aria-haspopup="listbox"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        data-value={value ?? ''}
        disabled={list.length === 0}
        title={current ? `${current.name} (${current.id})` : undefined}
        onClick={() => setOpen((was) => !was)}
        onKeyDown={(event) => {
          if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
            event.preventDefault();
            setOpen(true);
          }
        }}
      >
        <span
          className={`health-dot ${state ? (current?.breaker === 'half-open' ? 'warn' : 'bad') : 'ok'}`}
          aria-hidden="true"
        />
        <span className="sr-only">Model: </span>
        <span className="model-button-name">{name}</span>
        {state && <span className="sr-only">{` (${state})`}</span>}
        {current?.input.includes('image') && (
          <span className="reads-images" title={`${current.name} ${readsNote(current)}`}>
            <ImageIcon size={15} />
            <span className="sr-only">, {readsNote(current)}</span>
          </span>
        )}
        <svg className="model-chevron" width="12" height="12" viewBox="0 0 12 12" aria-hidden="true">
          <path d="M2.5 4.5 6 8l3.5-3.5" fill="none" stroke="currentColor" strokeWidth="1.5" />
        </svg>
      </button>
      {open && (
        <ModelMenu
          id={menuId}
          models={list}
          value={value}
          anchor={button}
          onPick={(id) => {
            close(true);
            if (id !== value) onChange(id);
          }}
          onClose={close}
        />
      )}
    </div>
  );
}
