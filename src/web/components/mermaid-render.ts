import DOMPurify from 'dompurify';

/**
 * Mermaid diagrams, drawn only when asked (a "Show diagram" button on a ```mermaid block): mermaid
 * is a large library, so it is its own chunk, imported here on first use. It runs with
 * securityLevel 'strict' (labels are text, no click handlers or links), and the SVG it makes is
 * shown as an <img> from a data: URL: an image is the browser's own sandbox (no script, no
 * links, no loads, no access to the page), and img-src already allows data:. The SVG is also
 * sanitized (SVG profile, no foreignObject, links, images or <use>) before it becomes that image.
 */

type Mermaid = typeof import('mermaid')['default'];

let loading: Promise<Mermaid> | undefined;
let theme: string | undefined;
let counter = 0;
/** Our own sanitizer instance: the message sanitizer's hooks (class filter) would strip mermaid's classes. */
const purifier = DOMPurify(window);

function currentTheme(): 'dark' | 'default' {
  const chosen = document.documentElement.getAttribute('data-theme');
  if (chosen) return chosen === 'dark' ? 'dark' : 'default';
  return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'default';
}

async function load(): Promise<Mermaid> {
  loading ??= import('mermaid').then((module) => module.default);
  const mermaid = await loading;
  const wanted = currentTheme();
  if (theme !== wanted) {
    theme = wanted;
    mermaid.initialize({
      startOnLoad: false,
      securityLevel: 'strict',
      theme: wanted,
      // SVG text, not HTML in <foreignObject>: plain labels that render inside an <img>.
      htmlLabels: false,
      suppressErrorRendering: true,
      fontFamily: 'system-ui, sans-serif',
    });
  }
  return mermaid;
}

/**
 * Mermaid draws in this page (it measures text as it lays out), writing style attributes and a
 * <style> element, which the page's CSP (style-src 'self') refuses, each refusal a console error.
 * While it draws, those go through the CSSOM instead, which the CSP allows: a style attribute
 * becomes `element.style.cssText`, the <style> element a placeholder whose rules are adopted as
 * a constructed style sheet (and written back as <style> into the image, where no CSP applies).
 */
async function withCssomStyles<T>(draw: () => Promise<T>): Promise<{ result: T; css: string }> {
  const setAttribute = Element.prototype.setAttribute;
  const createElement = Document.prototype.createElement;
  const parseFromString = DOMParser.prototype.parseFromString;
  const sheets: CSSStyleSheet[] = [];
  let css = '';
  Element.prototype.setAttribute = function (this: Element, name: string, value: string) {
    if (name.toLowerCase() === 'style' && (this instanceof HTMLElement || this instanceof SVGElement)) {
      this.style.cssText = String(value);
      return;
    }
    setAttribute.call(this, name, value);
  };
  Document.prototype.createElement = function (
    this: Document,
    tag: string,
    options?: ElementCreationOptions,
  ) {
    if (String(tag).toLowerCase() !== 'style') return createElement.call(this, tag, options);
    const holder = createElement.call(this, 'parley-style');
    Object.defineProperty(holder, 'innerHTML', {
      get: () => holder.textContent,
      set: (rules: string) => {
        css += rules;
        const sheet = new CSSStyleSheet();
        sheet.replaceSync(rules);
        sheets.push(sheet);
        document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
      },
    });
    return holder;
  } as typeof Document.prototype.createElement;
  // Mermaid sanitizes its SVG by parsing it (DOMPurify): its style attributes are renamed there
  // (renamed back in renderDiagram), the <style> placeholder is left out (its rules are in `css`).
  DOMParser.prototype.parseFromString = function (
    this: DOMParser,
    text: string,
    type: DOMParserSupportedType,
  ) {
    const safe = String(text)
      .replace(/<parley-style>[\s\S]*?<\/parley-style>/g, '')
      .replace(/\sstyle="/g, ' data-parley-style="');
    return parseFromString.call(this, safe, type);
  } as typeof DOMParser.prototype.parseFromString;
  try {
    return { result: await draw(), css };
  } finally {
    Element.prototype.setAttribute = setAttribute;
    Document.prototype.createElement = createElement;
    DOMParser.prototype.parseFromString = parseFromString;
    document.adoptedStyleSheets = document.adoptedStyleSheets.filter((sheet) => !sheets.includes(sheet));
  }
}

/** The diagram as an image URL, or an Error saying why it could not be drawn. */
export async function renderDiagram(
  code: string,
): Promise<{ url: string; width: number } | { error: string }> {
  try {
    const mermaid = await load();
    await mermaid.parse(code);
    counter += 1;
    const id = `parley-mermaid-${counter}`;
    const { result, css } = await withCssomStyles(() => mermaid.render(id, code));
    // Style attributes stay renamed while the SVG is sanitized and parsed here: parsed in this
    // page, even in an inert document, each would break the CSP. They come back in the image.
    const marked = result.svg
      .replace(/<parley-style>[\s\S]*?<\/parley-style>/g, '')
      .replace(/\sstyle="/g, ' data-parley-style="');
    const clean = purifier.sanitize(marked, {
      USE_PROFILES: { svg: true, svgFilters: true },
      ADD_ATTR: ['data-parley-style'],
      FORBID_TAGS: ['foreignObject', 'a', 'image', 'use', 'script', 'style'],
      FORBID_ATTR: ['href', 'xlink:href', 'style'],
    });
    const root = new DOMParser().parseFromString(clean, 'text/html').querySelector('svg');
    if (!root) return { error: 'The diagram came out empty.' };
    const xmlRules = css.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    // XML, as an SVG image must be (an HTML serialization is not always well-formed XML).
    const xml = new XMLSerializer()
      .serializeToString(root)
      .replace(/\sdata-parley-style="/g, ' style="')
      .replace(/^<svg[^>]*>/, (open) => `${open}<style>${xmlRules}</style>`);
    // Shown at its own size (mermaid makes it 100% wide, which blows small diagrams up).
    const width = Number(root.getAttribute('viewBox')?.split(/\s+/)[2]) || 600;
    return { width, url: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(xml)}` };
  } catch (error) {
    // Mermaid leaves its scratch element behind when a diagram fails.
    document.getElementById(`dparley-mermaid-${counter}`)?.remove();
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
