import { type RefObject, useEffect, useMemo, useRef, useState } from 'react';
import type { ModelInfo } from '../api.js';
import { capabilityBadges, flatten, groupModels, health, priceLabel, step } from './model-menu.js';

interface Props {
  id: string;
  models: readonly ModelInfo[];
  value: string | null;
  /** The button that opened the menu: a click on it is its own (it toggles), not an outside click. */
  anchor: RefObject<HTMLElement | null>;
  onPick: (id: string) => void;
  /** `refocus`: give focus back to the button (Esc), not when focus moved on (Tab, a click elsewhere). */
  onClose: (refocus: boolean) => void;
}

/** Where a key moves the active option; undefined for other keys. */
function moveFor(key: string, shown: readonly ModelInfo[], active: number): number | undefined {
  switch (key) {
    case 'ArrowDown':
      return step(shown, active, 1);
    case 'ArrowUp':
      return step(shown, Math.max(active, 0), -1);
    case 'Home':
      return step(shown, -1, 1);
    case 'End':
      return step(shown, 0, -1);
    default:
      return undefined;
  }
}

/**
 * The model menu: a search box that keeps focus (a combobox whose active option the arrow keys
 * move) over a listbox of models grouped by provider, each with its capabilities, price and health.
 * Enter picks, Esc closes; typing filters.
 */
export function ModelMenu({ id, models, value, anchor, onPick, onClose }: Props) {
  const root = useRef<HTMLDivElement>(null);
  const [query, setQuery] = useState('');
  const groups = useMemo(() => groupModels(models, query), [models, query]);
  const shown = useMemo(() => flatten(groups), [groups]);
  const [active, setActive] = useState(() => {
    const chosen = shown.findIndex((model) => model.id === value && model.available);
    return chosen >= 0 ? chosen : step(shown, -1, 1);
  });
  const activeModel = shown[active];
  const optionId = (model: ModelInfo) => `${id}-${model.id.replace(/[^\w-]/g, '_')}`;

  // A click anywhere else closes the menu.
  useEffect(() => {
    const onDown = (event: PointerEvent) => {
      const target = event.target as Node;
      if (root.current?.contains(target) || anchor.current?.contains(target)) return;
      onClose(false);
    };
    document.addEventListener('pointerdown', onDown);
    return () => document.removeEventListener('pointerdown', onDown);
  }, [anchor, onClose]);

  useEffect(() => {
    if (activeModel) document.getElementById(optionId(activeModel))?.scrollIntoView({ block: 'nearest' });
  });

  const onKeyDown = (event: React.KeyboardEvent) => {
    const move = moveFor(event.key, shown, active);
    if (move !== undefined) {
      event.preventDefault();
      setActive(move);
    } else if (event.key === 'Enter') {
      event.preventDefault();
      if (activeModel?.available) onPick(activeModel.id);
    } else if (event.key === 'Escape') {
      // Only the menu: Esc here must not also stop a running reply.
      event.preventDefault();
      event.stopPropagation();
      onClose(true);
    } else if (event.key === 'Tab') {
      onClose(false);
    }
  };

  let index = -1;
  return (
    <div className="model-menu" ref={root}>
      <input
        className="model-search"
        type="text"
        role="combobox"
        aria-label="Search models"
        aria-expanded="true"
        aria-controls={id}
        aria-autocomplete="list"
        aria-activedescendant={activeModel ? optionId(activeModel) : undefined}
        placeholder="Search models"
        autoComplete="off"
        spellCheck={false}
        // biome-ignore lint/a11y/noAutofocus: the menu opens for typing; focus returns to its button.
        autoFocus
        value={query}
        onChange={(event) => {
          const next = flatten(groupModels(models, event.target.value));
          setQuery(event.target.value);
          setActive(step(next, -1, 1));
        }}
        onKeyDown={onKeyDown}
      />
      <div className="model-options" role="listbox" id={id} aria-label="Models" tabIndex={-1}>
        {groups.map((group) => (
          // biome-ignore lint/a11y/useSemanticElements: a listbox's groups are role="group" (a fieldset is a form's).
          <div key={group.provider} role="group" aria-labelledby={`${id}-group-${group.provider}`}>
            <div className="model-group-label" id={`${id}-group-${group.provider}`}>
              {group.label}
            </div>
            {group.models.map((model) => {
              index += 1;
              const at = index;
              const note = health(model);
              const price = priceLabel(model);
              return (
                // biome-ignore lint/a11y/useKeyWithClickEvents: the search box handles the keys (aria-activedescendant).
                // biome-ignore lint/a11y/useFocusableInteractive: focus stays in the search box (aria-activedescendant).
                <div
                  key={model.id}
                  id={optionId(model)}
                  role="option"
                  className={`model-option${at === active ? ' active' : ''}`}
                  aria-selected={model.id === value}
                  aria-disabled={!model.available || undefined}
                  data-model-id={model.id}
                  onPointerMove={() => at !== active && model.available && setActive(at)}
                  onClick={() => model.available && onPick(model.id)}
                >
                  <span className="model-option-head">
                    <span className="model-option-name">
                      {model.name}
                      {note && <span className="model-option-note"> — {note}</span>}
                    </span>
                    {price && (
                      <span className="model-price" title="input / output, US dollars">
                        {price}
                      </span>
                    )}
                  </span>
                  <span className="model-option-meta">
                    {capabilityBadges(model).map((badge) => (
                      <span key={badge} className="model-badge">
                        {badge}
                      </span>
                    ))}
                  </span>
                </div>
              );
            })}
          </div>
        ))}
      </div>
      {shown.length === 0 && (
        <p className="model-empty" role="status">
          No model matches “{query}”.
        </p>
      )}
    </div>
  );
}
