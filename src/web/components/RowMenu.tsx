import { type KeyboardEvent, type ReactNode, useEffect, useId, useRef, useState } from 'react';
import './RowMenu.css';

export interface MenuItem {
  label: string;
  onSelect: () => void;
  danger?: boolean;
  /** A line above it: the start of a set of items (the folders to move to). */
  separated?: boolean;
}

interface Props {
  /** The accessible name of the menu button, e.g. `Actions for “Trip plans”`. */
  label: string;
  items: MenuItem[];
  icon: ReactNode;
  /** -1 keeps the button out of the tab order (the row's link reaches it with →). */
  tabIndex?: number;
  /** The button's class (default: a small icon button). */
  buttonClass?: string;
  /** Lets the row open the menu from its link (the context-menu key, Shift+F10). */
  buttonRef?: (button: HTMLButtonElement | null) => void;
}

/**
 * A menu button (WAI-ARIA menu pattern): Enter/Space/↓ open it on the first item, ↑/↓/Home/End
 * move, Esc or Tab closes it and focus returns to the button, a click outside closes it.
 */
export function RowMenu({ label, items, icon, tabIndex, buttonClass = 'icon-btn', buttonRef }: Props) {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const id = useId();

  /**
   * Where the menu fits in the scrolling list: below the button, or above it when there is more
   * room there (the last rows, a phone), and no taller than that room (it scrolls inside).
   */
  const [place, setPlace] = useState<{ up: boolean; maxHeight?: number }>({ up: false });

  useEffect(() => {
    if (!open) return;
    const list = menu.current;
    const box = list?.closest('.sidebar-list')?.getBoundingClientRect();
    const rect = list?.getBoundingClientRect();
    const anchor = button.current?.getBoundingClientRect();
    if (box && rect && anchor && rect.bottom > box.bottom) {
      const below = box.bottom - anchor.bottom - 8;
      const above = anchor.top - box.top - 8;
      const up = above > below;
      setPlace({ up, maxHeight: Math.max(120, up ? above : below) });
    }
    menu.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
    const outside = (event: PointerEvent) => {
      const target = event.target as Node;
      if (!menu.current?.contains(target) && !button.current?.contains(target)) setOpen(false);
    };
    document.addEventListener('pointerdown', outside);
    return () => document.removeEventListener('pointerdown', outside);
  }, [open]);

  function close(refocus = true) {
    setOpen(false);
    setPlace({ up: false });
    if (refocus) button.current?.focus();
  }

  function onMenuKey(event: KeyboardEvent<HTMLDivElement>) {
    const all = [...(menu.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
    const at = all.indexOf(document.activeElement as HTMLElement);
    const focus = (i: number) => all[(i + all.length) % all.length]?.focus();
    if (event.key === 'ArrowDown') focus(at + 1);
    else if (event.key === 'ArrowUp') focus(at - 1);
    else if (event.key === 'Home') focus(0);
    else if (event.key === 'End') focus(all.length - 1);
    else if (event.key === 'Escape') close();
    else if (event.key === 'Tab') close(false);
    else return;
    if (event.key !== 'Tab') event.preventDefault();
    event.stopPropagation();
  }

  return (
    <span className="row-menu">
      <button
        ref={(node) => {
          button.current = node;
          buttonRef?.(node);
        }}
        type="button"
        className={buttonClass}
        aria-label={label}
        title="More actions"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? id : undefined}
        tabIndex={tabIndex}
        onClick={() => {
          setPlace({ up: false });
          setOpen((was) => !was);
        }}
        onKeyDown={(event) => {
          if (event.key === 'ArrowDown') {
            event.preventDefault();
            setPlace({ up: false });
            setOpen(true);
          }
        }}
      >
        {icon}
      </button>
      {open && (
        <div
          ref={menu}
          id={id}
          role="menu"
          aria-label={label}
          className={`row-menu-list${place.up ? ' up' : ''}`}
          style={place.maxHeight ? { maxHeight: place.maxHeight } : undefined}
          onKeyDown={onMenuKey}
        >
          {items.map((item) => (
            <button
              key={item.label}
              type="button"
              role="menuitem"
              tabIndex={-1}
              className={`row-menu-item${item.danger ? ' danger' : ''}${item.separated ? ' separated' : ''}`}
              onClick={() => {
                close();
                item.onSelect();
              }}
            >
              {item.label}
            </button>
          ))}
        </div>
      )}
    </span>
  );
}
