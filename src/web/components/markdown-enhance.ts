/**
 * What the sanitized HTML of a message never contains (no buttons, no tabindex, no ARIA), added
 * here to the DOM after it is rendered: a copy button per code block (and "Show diagram" on a
 * mermaid block), a "Show all (N lines)" toggle folding long blocks, keyboard focus for code that
 * scrolls sideways, and names for task-list checkboxes. Clicks are handled by one listener
 * (onClick in MarkdownView.tsx).
 */

/** Code blocks longer than this are folded to about this many lines. */
export const CODE_FOLD_LINES = 30;

function button(className: string, text: string, label?: string): HTMLButtonElement {
  const element = document.createElement('button');
  element.type = 'button';
  element.className = className;
  element.textContent = text;
  if (label) element.setAttribute('aria-label', label);
  return element;
}

export function lineCount(text: string): number {
  return text.replace(/\n$/, '').split('\n').length;
}

function enhanceCodeBlock(block: Element): void {
  const head = block.querySelector('.code-head');
  const pre = block.querySelector('pre');
  if (!head || !pre || head.querySelector('.code-copy')) return;
  const language = head.querySelector('.code-lang')?.textContent ?? 'text';
  const actions = document.createElement('span');
  actions.className = 'code-actions';
  if (block.classList.contains('code-mermaid')) {
    actions.append(button('code-diagram', 'Show diagram'));
  }
  actions.append(button('code-copy', 'Copy', 'Copy code'));
  head.append(actions);
  // Code that scrolls sideways must be reachable without a mouse.
  pre.tabIndex = 0;
  pre.setAttribute('role', 'group');
  pre.setAttribute('aria-label', `Code, ${language}`);
  const lines = lineCount(pre.textContent ?? '');
  if (lines > CODE_FOLD_LINES) {
    block.classList.add('code-folded');
    const toggle = button('code-toggle', `Show all (${lines} lines)`);
    toggle.setAttribute('aria-expanded', 'false');
    toggle.dataset.lines = String(lines);
    block.append(toggle);
  }
}

export function enhanceMarkdown(root: HTMLElement): void {
  for (const block of root.querySelectorAll('.code-block')) enhanceCodeBlock(block);
  for (const box of root.querySelectorAll<HTMLInputElement>('li > input[type="checkbox"]')) {
    const item = box.parentElement as HTMLElement;
    item.classList.add('task-item');
    // The item's own words, not those of a list nested in it.
    let words = '';
    for (const node of item.childNodes) {
      if (node instanceof HTMLUListElement || node instanceof HTMLOListElement) break;
      words += node.textContent ?? '';
    }
    box.setAttribute('aria-label', words.trim() || (box.checked ? 'Done' : 'To do'));
  }
  for (const math of root.querySelectorAll<HTMLElement>('div.math-display')) {
    if (math.scrollWidth > math.clientWidth + 1) {
      math.tabIndex = 0;
      math.setAttribute('role', 'group');
      math.setAttribute('aria-label', 'Formula');
    }
  }
}

/** Folds or unfolds a long code block; keeps the toggle in view when folding. */
export function toggleFold(toggle: HTMLButtonElement): void {
  const block = toggle.closest('.code-block');
  if (!block) return;
  const folded = block.classList.toggle('code-folded');
  toggle.setAttribute('aria-expanded', String(!folded));
  toggle.textContent = folded ? `Show all (${toggle.dataset.lines} lines)` : 'Show less';
  if (folded) block.scrollIntoView({ block: 'nearest' });
}

/** "Show diagram": draws the mermaid block (lazily loaded), or says why it could not. */
export async function toggleDiagram(show: HTMLButtonElement): Promise<void> {
  const block = show.closest('.code-block');
  if (!block) return;
  const existing = block.querySelector('.mermaid-view');
  if (existing) {
    existing.remove();
    block.classList.remove('showing-diagram');
    show.textContent = 'Show diagram';
    return;
  }
  const code = block.querySelector('code')?.textContent ?? '';
  show.disabled = true;
  show.textContent = 'Drawing…';
  const { renderDiagram } = await import('./mermaid-render.js');
  const result = await renderDiagram(code);
  show.disabled = false;
  block.querySelector('.mermaid-error')?.remove();
  if ('error' in result) {
    show.textContent = 'Show diagram';
    const error = document.createElement('p');
    error.className = 'mermaid-error';
    error.setAttribute('role', 'alert');
    error.textContent = `Could not draw this diagram: ${result.error}`;
    block.querySelector('.code-head')?.after(error);
    return;
  }
  const view = document.createElement('div');
  view.className = 'mermaid-view';
  const image = document.createElement('img');
  image.alt = 'Mermaid diagram drawn from this code block (Show code for its text)';
  image.src = result.url;
  // CSSOM, not a style attribute (the CSP allows the one, not the other).
  image.style.width = `${Math.round(result.width)}px`;
  view.append(image);
  block.querySelector('.code-head')?.after(view);
  block.classList.add('showing-diagram');
  show.textContent = 'Show code';
}
