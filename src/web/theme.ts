import { useCallback, useEffect, useState } from 'react';

/** Light, dark or the system's choice (the default), remembered in this browser. */
export type ThemeChoice = 'system' | 'light' | 'dark';

const KEY = 'parley.theme';

export function storedTheme(): ThemeChoice {
  const value = localStorage.getItem(KEY);
  return value === 'light' || value === 'dark' ? value : 'system';
}

/** Sets `data-theme` on <html>; the style sheet follows `prefers-color-scheme` when it is absent. */
export function applyTheme(choice: ThemeChoice): void {
  const root = document.documentElement;
  if (choice === 'system') root.removeAttribute('data-theme');
  else root.setAttribute('data-theme', choice);
}

export function useTheme(): [ThemeChoice, (choice: ThemeChoice) => void] {
  const [choice, setChoice] = useState<ThemeChoice>(storedTheme);
  useEffect(() => {
    const onStorage = (event: StorageEvent) => {
      if (event.key === KEY) {
        const next = storedTheme();
        setChoice(next);
        applyTheme(next);
      }
    };
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, []);
  const set = useCallback((next: ThemeChoice) => {
    if (next === 'system') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, next);
    applyTheme(next);
    setChoice(next);
  }, []);
  return [choice, set];
}
