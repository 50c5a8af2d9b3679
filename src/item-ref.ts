import { randomBytes } from 'node:crypto';

/**
 * How a message or a URL outside groundcrew names one item (an approval, a deploy, a request): its id plus the
 * item's nonce, `<id>.<nonce>` — a button's value, a modal's private_metadata, a signed callback URL. The nonce is
 * random, stored on the row when it is inserted, so a reference can never point at a newer item that got the same
 * id (ids are not reused, and this holds even if one ever were). Items created before nonces existed have none:
 * references to them are the bare id, as messages already in Slack carry it.
 *
 * Pure apart from the random source; src/slack/item-ref.ts re-exports it with the Slack-side refusal.
 */

export interface ItemRef {
  id: number;
  /** null: a reference from before nonces (a bare id). */
  nonce: string | null;
}

/** A fresh nonce for a new row (set by the schema's insert default). */
export const newNonce = (): string => randomBytes(9).toString('base64url');

/** The reference to put in a button, a modal's metadata or a callback URL. */
export function itemRef(item: { id: number; nonce: string | null }): string {
  return item.nonce === null ? String(item.id) : `${item.id}.${item.nonce}`;
}

/** `<id>` or `<id>.<nonce>`; a nonce is at least 8 characters, so a value like `1.5` is malformed, not a reference. */
const REF = /^([1-9]\d{0,14})(?:\.([A-Za-z0-9_-]{8,64}))?$/;

/** Reads a reference (a string as above, or a bare numeric id from older messages); null when it is malformed. */
export function parseItemRef(value: unknown): ItemRef | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? { id: value, nonce: null } : null;
  if (typeof value !== 'string') return null;
  const match = REF.exec(value);
  if (!match) return null;
  const id = Number(match[1]);
  return Number.isSafeInteger(id) ? { id, nonce: match[2] ?? null } : null;
}

/**
 * Whether the reference names this very item: the nonces are equal. An item from before nonces (null) matches only
 * a bare id; an item with a nonce never matches a bare id (such a reference was made for an older item).
 */
export function refMatches(ref: ItemRef, item: { nonce: string | null }): boolean {
  return ref.nonce === item.nonce;
}
