import { describe, expect, it } from 'vitest';
import { markdownToHtml } from '../../src/web/markdown.js';

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
