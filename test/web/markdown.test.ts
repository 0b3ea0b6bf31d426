import { describe, expect, it } from 'vitest';
import { createMarkdown } from '../../src/web/markdown-core.js';
import { highlightCode } from '../../src/web/markdown-highlight.js';
import { renderTex } from '../../src/web/markdown-katex.js';

// The web UI's markdown pipeline once its on-demand plugins (highlight.js, KaTeX) have arrived
// (markdown-plugins.ts): the same core with the same plugins.
const markdownToHtml = createMarkdown({ highlight: highlightCode, renderTex });

// Issue 13 item 11: a reply with raw HTML in it. As HTML, an unclosed <style>, <textarea>,
// <script> or <title> swallowed the rest of the reply, and <math>/<svg> took what was nested in
// them; the sanitizer then dropped it all. Raw HTML is now shown as text, and the markdown after
// it still renders. (The sanitizing step needs a DOM: the browser suite covers it.)

describe('raw HTML in a reply', () => {
  const blocks = [
    '<style>body { display: none }',
    '<style>\n.a { color: red }\n</style>',
    '<math><mi>x</mi>',
    '<svg><g>',
    '<script>alert(1)',
    '<textarea>',
    '<title>',
    '<xmp>',
    '<plaintext>',
    '<noscript>',
    '<iframe src="https://example.org/">',
    '<div',
    '<!-- an unclosed comment',
    '<![CDATA[ x',
    '<?php echo 1;',
  ];

  for (const block of blocks) {
    it(`shows ${JSON.stringify(block.split('\n')[0])} as text and renders what follows`, () => {
      const html = markdownToHtml(
        `Before **one**.\n\n${block}\n\nAfter **two**, a [link](https://example.org/).\n\n- item`,
      );
      expect(html).toContain('<strong>one</strong>');
      expect(html).toContain('<strong>two</strong>');
      expect(html).toContain('<a href="https://example.org/">link</a>');
      expect(html).toContain('<li>item</li>');
      // Nothing of the raw HTML is markup: its < is escaped.
      const firstLine = block.split('\n')[0] as string;
      expect(html).not.toContain(firstLine);
      expect(html).toContain(`&#60;${firstLine.slice(1, 4)}`);
    });
  }

  it('shows inline tags as text where they stand', () => {
    const html = markdownToHtml('Press <kbd>Ctrl</kbd> and <span style="color:red">this</span> **now**');
    expect(html).toBe(
      '<p>Press &#60;kbd&#62;Ctrl&#60;/kbd&#62; and &#60;span style=&#34;color:red&#34;&#62;this&#60;/span&#62; <strong>now</strong></p>\n',
    );
  });

  it('keeps autolinks and code blocks as they were', () => {
    expect(markdownToHtml('<https://example.org/>')).toContain('<a href="https://example.org/">');
    const code = markdownToHtml('```html\n<style>x</style>\n```\n\nafter');
    expect(code).toContain('hljs');
    expect(code).toContain('<p>after</p>');
  });
});

// Issue 18 item 6: task lists, TeX math, mermaid blocks. What markdownToHtml emits before the
// sanitizer; the browser suite (test/e2e/rendering.test.ts) checks the sanitized page.
describe('task lists, math and diagrams', () => {
  it('keeps task-list checkboxes with their checked state', () => {
    const html = markdownToHtml('- [x] done\n- [ ] to do');
    expect(html).toContain('<input checked="" disabled="" type="checkbox"> done');
    expect(html).toContain('<input disabled="" type="checkbox"> to do');
  });

  it('renders inline and display math as MathML', () => {
    const inline = markdownToHtml('Area $\\pi r^2$ and \\(a+b\\).');
    expect(inline).toContain('<span class="katex"><math');
    expect(inline).toContain('<msup><mi>r</mi><mn>2</mn></msup>');
    expect(inline.match(/<math/g)).toHaveLength(2);
    for (const source of ['$$\n\\frac{1}{2}\n$$', '\\[\n\\frac{1}{2}\n\\]', 'so $$\\frac12$$ here']) {
      const html = markdownToHtml(source);
      expect(html).toContain('class="math-display"');
      expect(html).toContain('display="block"');
      expect(html).toContain('<mfrac>');
      // No <semantics>/<annotation>: the sanitizer does not take them.
      expect(html).not.toContain('annotation');
    }
  });

  it('does not take dollar amounts for math', () => {
    for (const text of [
      'It costs $5 and $10.',
      'Between $5 and $ 10',
      'US$5, $ x $, then $x$5',
      'Pay $20,$30',
    ]) {
      expect(markdownToHtml(text)).not.toContain('katex');
    }
    expect(markdownToHtml('Escaped \\$5 and $y$')).toBe(
      '<p>Escaped $5 and <span class="katex"><math xmlns="http://www.w3.org/1998/Math/MathML"><mrow><mi>y</mi></mrow></math></span></p>\n',
    );
  });

  it('shows an unclosed $ (a reply still streaming) as text', () => {
    expect(markdownToHtml('Then $x^')).toBe('<p>Then $x^</p>\n');
    expect(markdownToHtml('$$\n\\frac{1}')).not.toContain('katex');
  });

  it('never turns math into markup, links or styles', () => {
    const attacks = [
      '$<script>alert(1)</script>$',
      '$\\href{javascript:alert(1)}{x}$',
      '$\\url{javascript:alert(1)}$',
      '$\\htmlStyle{background:url(https://evil.example/)}{x}$',
      '$\\htmlClass{sidebar}{x}$',
      '$\\htmlId{root}{x}$',
      '$\\htmlData{foo=bar}{x}$',
      '$\\includegraphics{https://evil.example/x.png}$',
      '$\\text{<img src=x onerror=alert(1)>}$',
      '$\\color{red;background:url(x)}{x}$',
      '$\\rule{10000em}{10000em}$',
      '$\\def\\a{\\a\\a}\\a$',
      '$x" onmouseover="alert(1)$',
    ];
    for (const attack of attacks) {
      const html = markdownToHtml(attack);
      expect(html, attack).not.toMatch(/<(script|img|a|style|iframe)\b/i);
      // In a tag, not in (escaped) text.
      expect(html, attack).not.toMatch(/<[^>]*\s(href|src|style|on\w+|id|data-[\w-]+)=/i);
      expect(html, attack).not.toContain('evil.example"');
      expect(html, attack).not.toMatch(/class="(?!katex|math-display)/);
      // Sizes are capped (KaTeX's maxSize): nothing 10000em wide.
      expect(html, attack).not.toContain('10000em');
    }
  });

  it('marks mermaid blocks and keeps their labels as escaped code', () => {
    const html = markdownToHtml(
      '```mermaid\ngraph TD\nA["<script>alert(1)</script>"] --> B[javascript:alert(1)]\n```',
    );
    expect(html).toContain('<div class="code-block code-mermaid">');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script&#62;');
  });
});

describe('math on hostile input', () => {
  it('renders a long reply of unclosed openers in linear work, not quadratic', () => {
    // Unbounded, each opener's match scanned the rest of the reply: twice the text, four times
    // the work (tens of seconds here). Measured as this process's CPU time, which a busy machine
    // does not stretch as it stretches wall-clock time; the fastest of two runs.
    const work = (repeats: number) => {
      const source = `${'\\( $a '.repeat(repeats)}`;
      let fastest = Number.POSITIVE_INFINITY;
      for (let i = 0; i < 2; i++) {
        const before = process.cpuUsage();
        const html = markdownToHtml(source);
        const used = process.cpuUsage(before);
        fastest = Math.min(fastest, used.user + used.system);
        // Rendered as text: no math came out of the unclosed openers.
        expect(html).not.toContain('<math');
      }
      return fastest;
    };
    work(1_000); // warm up (JIT)
    const single = work(5_000);
    const double = work(10_000);
    expect(double / single).toBeLessThan(3);
  }, 60_000);
});
