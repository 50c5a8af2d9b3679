import { describe, expect, it } from 'vitest';
import { newNonce } from '../../src/item-ref.js';
import { itemRef, parseItemRef, refMatches } from '../../src/slack/item-ref.js';

describe('item references (buttons, modals, callback URLs)', () => {
  it('writes <id>.<nonce>, or the bare id for an item from before nonces, and reads both back', () => {
    const nonce = newNonce();
    expect(nonce).toMatch(/^[\w-]{12}$/);
    expect(newNonce()).not.toBe(nonce);
    expect(itemRef({ id: 42, nonce })).toBe(`42.${nonce}`);
    expect(itemRef({ id: 42, nonce: null })).toBe('42');
    expect(parseItemRef(`42.${nonce}`)).toEqual({ id: 42, nonce });
    expect(parseItemRef('42')).toEqual({ id: 42, nonce: null });
    expect(parseItemRef(42)).toEqual({ id: 42, nonce: null });
  });

  it('refuses malformed values', () => {
    for (const value of [
      '',
      '0',
      '-3',
      '1.5',
      '1.',
      'abc',
      '01',
      '1.a b c d e f',
      `1.${'x'.repeat(65)}`,
      1.5,
      0,
      null,
      {},
    ])
      expect(parseItemRef(value), JSON.stringify(value)).toBeNull();
    expect(parseItemRef('9'.repeat(16))).toBeNull();
  });

  it('matches only the item it was made for', () => {
    const item = { nonce: 'abcdefgh1234' };
    expect(refMatches({ id: 1, nonce: 'abcdefgh1234' }, item)).toBe(true);
    expect(refMatches({ id: 1, nonce: 'zzzzzzzz1234' }, item)).toBe(false);
    // A bare id was made before nonces: it names only an item without one.
    expect(refMatches({ id: 1, nonce: null }, item)).toBe(false);
    expect(refMatches({ id: 1, nonce: null }, { nonce: null })).toBe(true);
    expect(refMatches({ id: 1, nonce: 'abcdefgh1234' }, { nonce: null })).toBe(false);
  });
});
