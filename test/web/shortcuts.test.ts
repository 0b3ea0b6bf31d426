import { afterEach, describe, expect, it, vi } from 'vitest';
import { escapeStopsReply, isTextField, shortcutFor } from '../../src/web/hooks/use-shortcuts.js';

/** A focused element: its tag, input type, and the selectors of what it sits inside. */
function el(tagName: string, inside: string[] = [], type = 'text'): Element {
  return {
    tagName,
    type,
    isContentEditable: false,
    closest: (selector: string) => (selector.split(',').some((s) => inside.includes(s.trim())) ? {} : null),
  } as unknown as Element;
}

const key = (
  k: string,
  mods: Partial<Record<'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey', boolean>> = {},
) => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  altKey: false,
  ...mods,
});

let dialogOpen = false;
vi.stubGlobal('document', { body: {}, documentElement: {}, querySelector: () => (dialogOpen ? {} : null) });
afterEach(() => {
  dialogOpen = false;
});

const composer = el('TEXTAREA', ['.composer', '.conversation']);
const search = el('INPUT', ['.sidebar'], 'search');
const conversationButton = el('BUTTON', ['.conversation'], 'button');
const menuItem = el('BUTTON', ['[role="menu"]', '.sidebar'], 'button');
const editBox = el('TEXTAREA', ['.conversation']);

describe('Esc stops a reply only from the composer or the conversation', () => {
  it('stops from the composer, a conversation button, or nothing focused', () => {
    expect(escapeStopsReply(composer)).toBe(true);
    expect(escapeStopsReply(conversationButton)).toBe(true);
    expect(escapeStopsReply(null)).toBe(true);
    expect(escapeStopsReply(document.body)).toBe(true);
  });

  it('never from the sidebar search, a menu, a dialog or another text field', () => {
    expect(escapeStopsReply(search)).toBe(false);
    expect(escapeStopsReply(menuItem)).toBe(false);
    expect(escapeStopsReply(el('BUTTON', ['dialog'], 'button'))).toBe(false);
    expect(escapeStopsReply(editBox)).toBe(false);
    expect(escapeStopsReply(el('BUTTON', ['.sidebar'], 'button'))).toBe(false);
  });
});

describe('shortcutFor', () => {
  it('maps the documented keys, with Ctrl or Cmd', () => {
    expect(shortcutFor(key('O', { ctrlKey: true, shiftKey: true }), null)).toBe('new-chat');
    expect(shortcutFor(key('o', { metaKey: true, shiftKey: true }), composer)).toBe('new-chat');
    expect(shortcutFor(key('k', { ctrlKey: true }), composer)).toBe('search');
    expect(shortcutFor(key('k', { metaKey: true }), null)).toBe('search');
    expect(shortcutFor(key('Escape', { shiftKey: true }), search)).toBe('focus-composer');
    expect(shortcutFor(key('?', { shiftKey: true }), conversationButton)).toBe('help');
  });

  it('leaves plain typing and browser keys alone', () => {
    expect(shortcutFor(key('?', { shiftKey: true }), composer)).toBeNull();
    expect(shortcutFor(key('?', { shiftKey: true }), search)).toBeNull();
    expect(shortcutFor(key('k'), null)).toBeNull();
    expect(shortcutFor(key('o', { ctrlKey: true }), null)).toBeNull(); // the browser's Open file
    expect(shortcutFor(key('k', { ctrlKey: true, altKey: true }), null)).toBeNull();
    expect(shortcutFor(key('Escape'), composer)).toBeNull(); // plain Esc: the stop handler's
  });

  it('does nothing inside a menu or while a dialog is open', () => {
    expect(shortcutFor(key('k', { ctrlKey: true }), menuItem)).toBeNull();
    expect(shortcutFor(key('?'), el('DIV', ['[role="listbox"]']))).toBeNull();
    dialogOpen = true;
    expect(shortcutFor(key('k', { ctrlKey: true }), null)).toBeNull();
    expect(shortcutFor(key('?'), null)).toBeNull();
  });

  it('knows which fields take typed keys', () => {
    expect(isTextField(search)).toBe(true);
    expect(isTextField(composer)).toBe(true);
    expect(isTextField(el('INPUT', [], 'checkbox'))).toBe(false);
    expect(isTextField(conversationButton)).toBe(false);
  });
});
