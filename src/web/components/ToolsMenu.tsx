import { useEffect, useId, useRef, useState } from 'react';
import type { ToolList } from '../api.js';
import { type ToolGroup, toggled, toolGroups } from '../hooks/use-tools.js';
import { ShieldIcon, WrenchIcon } from './icons.js';
import './ToolsMenu.css';

interface Props {
  /** The servers the user may use; the menu is hidden when there are none. */
  list: ToolList | null;
  /** The tool ids the conversation's replies may call. */
  enabled: readonly string[];
  onChange: (tools: string[]) => void;
  /** Asks the server again (states change: a server connects, goes down). */
  onRefresh: () => Promise<void>;
  saving: boolean;
  error: string | null;
  disabled: boolean;
}

const STATE_LABEL: Record<ToolGroup['state'], string> = {
  ready: 'ready',
  connecting: 'connecting…',
  down: 'down',
  unknown: 'not available',
};

/**
 * The conversation's tools: a button with the number enabled, opening a panel that lists each
 * server (its state, and why it is down) and its tools to check. A change saves at once (the
 * conversation not created yet keeps it until its first message).
 */
export function ToolsMenu({ list, enabled, onChange, onRefresh, saving, error, disabled }: Props) {
  const [open, setOpen] = useState(false);
  const rootRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const panelRef = useRef<HTMLDivElement>(null);
  const id = useId();
  const servers = list?.servers ?? [];
  const connecting = servers.some((server) => server.state === 'connecting');

  // Opened: fresh states, and the first checkbox focused.
  useEffect(() => {
    if (!open) return;
    void onRefresh();
    panelRef.current?.querySelector<HTMLElement>('input:not(:disabled)')?.focus();
  }, [open, onRefresh]);

  // While a server connects, ask again every couple of seconds (the panel shows when it is ready).
  useEffect(() => {
    if (!open || !connecting) return;
    const timer = setInterval(() => void onRefresh(), 2000);
    return () => clearInterval(timer);
  }, [open, connecting, onRefresh]);

  // A click or a tap anywhere else closes the panel.
  useEffect(() => {
    if (!open) return;
    const onDown = (event: PointerEvent) => {
      if (!rootRef.current?.contains(event.target as Node)) setOpen(false);
    };
    // Focus leaving the button and the panel (Tab past the last tool) closes it too.
    const root = rootRef.current;
    const onFocusOut = (event: FocusEvent) => {
      const to = event.relatedTarget as Node | null;
      if (to && !root?.contains(to)) setOpen(false);
    };
    document.addEventListener('pointerdown', onDown);
    root?.addEventListener('focusout', onFocusOut);
    return () => {
      document.removeEventListener('pointerdown', onDown);
      root?.removeEventListener('focusout', onFocusOut);
    };
  }, [open]);

  if (servers.length === 0) return null;
  const groups = toolGroups(servers, enabled);
  const count = enabled.length;
  const close = () => {
    setOpen(false);
    buttonRef.current?.focus();
  };

  return (
    <div className="tools-menu" ref={rootRef}>
      <button
        ref={buttonRef}
        type="button"
        className={`tools-btn${count > 0 ? ' has-tools' : ''}`}
        aria-label={`Tools: ${count === 0 ? 'none' : count} enabled`}
        title="Tools the model may use"
        aria-expanded={open}
        aria-controls={id}
        aria-haspopup="dialog"
        disabled={disabled}
        onClick={() => setOpen(!open)}
      >
        <WrenchIcon />
        <span className="tools-btn-label">Tools</span>
        {count > 0 && <span className="tools-count">{count}</span>}
      </button>
      {open && (
        <div
          ref={panelRef}
          id={id}
          className="tools-panel"
          role="dialog"
          aria-label="Tools for this conversation"
          onKeyDown={(event) => {
            if (event.key === 'Escape') {
              event.preventDefault(); // not "stop the reply"
              close();
            }
          }}
        >
          <div className="tools-panel-head">
            <h2>Tools</h2>
            <span className="tools-saving" role="status">
              {saving ? 'Saving…' : ''}
            </span>
          </div>
          <p className="tools-intro">The model may call the tools checked here in this conversation.</p>
          {error && (
            <p className="tools-error" role="alert">
              {error}
            </p>
          )}
          {groups.map((group) => (
            <fieldset key={group.name} className="tools-group">
              <legend>
                <span className="tools-server">{group.name}</span>
                <span className={`server-state state-${group.state}`}>
                  <span className="server-dot" aria-hidden="true" />
                  {STATE_LABEL[group.state]}
                </span>
              </legend>
              {group.state === 'down' && group.error && <p className="server-error">{group.error}</p>}
              {group.rows.length === 0 && (
                <p className="tools-none">
                  {group.state === 'connecting'
                    ? 'Connecting: its tools show once it is ready.'
                    : group.state === 'down'
                      ? 'Its tools show once it is back.'
                      : 'No tools.'}
                </p>
              )}
              {group.rows.map((row) => (
                <label key={row.id} className="tool-option" title={row.description || undefined}>
                  <input
                    type="checkbox"
                    checked={enabled.includes(row.id)}
                    onChange={(event) => onChange(toggled(enabled, row.id, event.target.checked))}
                  />
                  <span className="tool-option-text">
                    <span className="tool-option-line">
                      <span className="tool-option-name">{row.name}</span>
                      {row.requiresApproval && (
                        <span className="approval-badge">
                          <ShieldIcon size={12} />
                          requires approval
                        </span>
                      )}
                      {row.missing && <span className="missing-badge">unavailable</span>}
                    </span>
                    {row.description && <span className="tool-option-desc">{row.description}</span>}
                  </span>
                </label>
              ))}
            </fieldset>
          ))}
        </div>
      )}
    </div>
  );
}
