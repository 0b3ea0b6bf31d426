import { describe, expect, it } from 'vitest';
import { nextAfterSignIn } from '../../src/web/components/SharePage.js';
import { parseRoute, sharePath } from '../../src/web/router.js';

// The share page's routing, without a browser: /s/<id> is its own route (shown signed in or out),
// and signing in from it comes back to it, never anywhere else.

describe('share links in the web app', () => {
  it('routes /s/<id> to the share page', () => {
    expect(parseRoute('/s/q2VfR8kLx0bT4mZs9PjW1cYa')).toEqual({
      name: 'share',
      id: 'q2VfR8kLx0bT4mZs9PjW1cYa',
    });
    expect(parseRoute('/s/abc/')).toEqual({ name: 'share', id: 'abc' });
    expect(parseRoute('/s/')).toEqual({ name: 'home' });
    expect(sharePath('a b')).toBe('/s/a%20b');
  });

  it('comes back to a share page after signing in, and only to one', () => {
    expect(nextAfterSignIn('?next=%2Fs%2Fq2VfR8kLx0bT4mZs9PjW1cYa')).toBe('/s/q2VfR8kLx0bT4mZs9PjW1cYa');
    for (const next of [
      '',
      '?next=',
      '?next=%2F%2Fevil.example%2Fs%2Fx',
      '?next=https%3A%2F%2Fevil.example%2Fs%2Fx',
      '?next=%2Fc%2Fsomething',
      '?next=%2Fs%2Fx%2F..%2F..%2Fadmin',
      '?next=%2Fs%2Fx%3Fa%3D1',
    ]) {
      expect(nextAfterSignIn(next), next).toBeNull();
    }
  });
});
