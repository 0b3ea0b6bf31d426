import { useCallback, useEffect, useRef, useState } from 'react';
import { useGlobalShortcuts } from '../hooks/use-global-shortcuts.js';
import { SHORTCUTS } from '../hooks/use-shortcuts.js';
import './ConfirmDialog.css';
import './ShortcutsDialog.css';

interface Props {
  open: boolean;
  onClose: () => void;
}

/** The keyboard shortcuts, in a modal <dialog>: focus moves in and is trapped, Esc closes, focus returns. */
export function ShortcutsDialog({ open, onClose }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  const returnTo = useRef<HTMLElement | null>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      returnTo.current = document.activeElement as HTMLElement | null;
      dialog.showModal();
      closeRef.current?.focus();
    } else if (!open && dialog.open) {
      dialog.close();
      returnTo.current?.focus();
    }
  }, [open]);
  return (
    <dialog
      ref={ref}
      className="dialog shortcuts-dialog"
      aria-labelledby="shortcuts-title"
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <h2 id="shortcuts-title">Keyboard shortcuts</h2>
      <dl className="shortcuts">
        {SHORTCUTS.map((s) => (
          <div key={s.what}>
            <dt>
              <kbd>{s.keys}</kbd>
            </dt>
            <dd>{s.what}</dd>
          </div>
        ))}
      </dl>
      <div className="dialog-actions">
        <button ref={closeRef} type="button" className="btn" onClick={onClose}>
          Close
        </button>
      </div>
    </dialog>
  );
}

/** Any part of the app (Settings, a menu) opens the dialog with this, without props threaded down. */
export const openShortcuts = () => window.dispatchEvent(new Event(OPEN_EVENT));
const OPEN_EVENT = 'parley:shortcuts';

/** The app-wide shortcuts and their help dialog (mounted once, by the Shell). */
export function KeyboardShortcuts() {
  const [open, setOpen] = useState(false);
  const show = useCallback(() => setOpen(true), []);
  useGlobalShortcuts(show);
  useEffect(() => {
    window.addEventListener(OPEN_EVENT, show);
    return () => window.removeEventListener(OPEN_EVENT, show);
  }, [show]);
  return <ShortcutsDialog open={open} onClose={() => setOpen(false)} />;
}
