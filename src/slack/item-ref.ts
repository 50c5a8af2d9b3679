/**
 * The one place buttons, modals and callback URLs name an item (approval, deploy, request): `itemRef(row)` to write
 * a reference, `parseItemRef(value)` to read one, `refMatches(ref, row)` before acting on the row it names (see
 * src/item-ref.ts for the format). A reference whose nonce does not match is answered with ITEM_GONE.
 */
export { type ItemRef, itemRef, parseItemRef, refMatches } from '../item-ref.js';

/** The answer to a click or a form whose reference names an item that is not there any more. */
export const ITEM_GONE = 'This button belongs to an item that no longer exists.';
