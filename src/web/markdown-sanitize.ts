import DOMPurify from 'dompurify';

/**
 * The allow-list every rendered message goes through (markdown-core.ts renders, this cleans). Nothing a
 * model or user writes can run script (no <script>, no event handlers, no javascript: URLs), load
 * anything (images become links; no iframes, media, forms, styles or SVG) or restyle the page (no
 * style attributes, only our own class names). Math comes from KaTeX as MathML (markdown-math.ts),
 * so the list adds the MathML elements and presentation attributes KaTeX emits, each value checked.
 */

const HTML_TAGS = [
  'a',
  'b',
  'blockquote',
  'br',
  'code',
  'del',
  'details',
  'div',
  'em',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'hr',
  'i',
  'input',
  'kbd',
  'li',
  'ol',
  'p',
  'pre',
  's',
  'span',
  'strong',
  'sub',
  'summary',
  'sup',
  'table',
  'tbody',
  'td',
  'th',
  'thead',
  'tr',
  'ul',
];
/** KaTeX's MathML output (without <semantics>/<annotation>, which markdown-math.ts unwraps). */
const MATH_TAGS = [
  'math',
  'menclose',
  'mfrac',
  'mi',
  'mn',
  'mo',
  'mover',
  'mpadded',
  'mphantom',
  'mroot',
  'mrow',
  'ms',
  'mspace',
  'msqrt',
  'mstyle',
  'msub',
  'msubsup',
  'msup',
  'mtable',
  'mtd',
  'mtext',
  'mtr',
  'munder',
  'munderover',
];
/** Attributes whose values are words or numbers, never URLs (DOMPurify would judge them as URLs). */
const PLAIN_ATTR = ['type', 'checked', 'disabled', 'start', 'colspan', 'rowspan', 'align'];
const MATH_ATTR = [
  'display',
  'mathvariant',
  'stretchy',
  'fence',
  'separator',
  'lspace',
  'rspace',
  'accent',
  'accentunder',
  'columnalign',
  'rowspacing',
  'columnspacing',
  'columnlines',
  'rowlines',
  'linethickness',
  'width',
  'height',
  'depth',
  'voffset',
  'minsize',
  'maxsize',
  'symmetric',
  'movablelimits',
  'notation',
  'mathcolor',
  'mathbackground',
  'scriptlevel',
  'displaystyle',
  'largeop',
];
const ALLOWED_ATTR = ['href', 'title', 'class', ...PLAIN_ATTR, ...MATH_ATTR];

/** Class names our renderer, highlight.js and KaTeX produce; a model cannot restyle the page with others. */
const SAFE_CLASS =
  /^(hljs(-[\w-]+)?|language-[\w-]+|code-block|code-head|code-lang|code-mermaid|image-link|katex|katex-display|katex-error|math-display|math-pending|task-list-item|[\w]+_)$/;
/** A length KaTeX writes (`0.1667em`, `-0.05em`, `1pt`, `0em`), at most 20 units either way. */
const LENGTH = /^[+-]?(\d+(\.\d*)?|\.\d+)(em|ex|pt|mu)?$/;
const SIZED = new Set(['width', 'height', 'depth', 'voffset', 'lspace', 'rspace', 'minsize', 'maxsize']);
const COLOR = /^(#[0-9a-f]{3,8}|[a-z]{1,20})$/i;
/** Values a presentation attribute may take: words, spacing lists (`0.5em 0.5em`), never markup or url(). */
const MATH_VALUE = /^[\w .%+-]{0,80}$/;

function mathAttrOk(name: string, value: string): boolean {
  if (SIZED.has(name)) return LENGTH.test(value) && Math.abs(Number.parseFloat(value)) <= 20;
  if (name === 'mathcolor' || name === 'mathbackground') return COLOR.test(value);
  return MATH_VALUE.test(value);
}

/**
 * The message sanitizer: an instance of its own, so its hooks (class filter, MathML checks) never
 * touch what other code sanitizes with DOMPurify (mermaid cleans its SVG with the default one).
 */
let purifier: ReturnType<typeof DOMPurify> | undefined;
function messagePurifier(): ReturnType<typeof DOMPurify> {
  if (purifier) return purifier;
  purifier = DOMPurify(window);
  purifier.addHook('afterSanitizeAttributes', (node) => {
    if (!(node instanceof Element)) return;
    if (node instanceof HTMLAnchorElement) {
      const href = node.getAttribute('href') ?? '';
      if (!/^(https?:|mailto:|#)/i.test(href)) node.removeAttribute('href');
      else if (!href.startsWith('#')) {
        node.setAttribute('target', '_blank');
        node.setAttribute('rel', 'noopener noreferrer nofollow');
      }
    } else if (node.hasAttribute('href')) {
      // Only <a> links: MathML's href on any element is a link in some browsers.
      node.removeAttribute('href');
    }
    if (node instanceof HTMLInputElement) {
      if (node.getAttribute('type') !== 'checkbox') node.remove();
      else node.setAttribute('disabled', '');
    }
    if (node.namespaceURI === 'http://www.w3.org/1998/Math/MathML') {
      for (const { name, value } of [...node.attributes]) {
        if (MATH_ATTR.includes(name) && !mathAttrOk(name, value)) node.removeAttribute(name);
      }
    } else {
      // Presentation attributes belong to MathML only (HTML's width/height could size elements).
      for (const name of MATH_ATTR) if (node.hasAttribute(name)) node.removeAttribute(name);
    }
    if (node.hasAttribute('class')) {
      const classes = (node.getAttribute('class') ?? '').split(/\s+/).filter((name) => SAFE_CLASS.test(name));
      if (classes.length > 0) node.setAttribute('class', classes.join(' '));
      else node.removeAttribute('class');
    }
  });
  return purifier;
}

export function sanitize(html: string): string {
  return messagePurifier().sanitize(html, {
    ALLOWED_TAGS: [...HTML_TAGS, ...MATH_TAGS],
    ALLOWED_ATTR,
    ADD_URI_SAFE_ATTR: [...PLAIN_ATTR, ...MATH_ATTR],
    ALLOW_DATA_ATTR: false,
    ALLOW_ARIA_ATTR: false,
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|#)/i,
    KEEP_CONTENT: true,
  });
}
