import { eq } from 'drizzle-orm';
import { approvalsTable } from '../../src/approvals/schema.js';
import { twin } from '../../src/db/twin.js';
import { deploysTable } from '../../src/deploys/schema.js';
import { itemRef } from '../../src/item-ref.js';
import { requestsTable } from '../../src/requests/schema.js';
import type { TestApp } from './harness.js';

const TABLES = { approvals: approvalsTable, deploys: deploysTable, requests: requestsTable };

/**
 * The reference (`<id>.<nonce>`) groundcrew puts in buttons, modals and callback URLs for this row, read from the
 * database — what a click on the real message or a call to the real callback URL carries. The bare id when there
 * is no such row.
 */
export async function refOf(app: TestApp, kind: keyof typeof TABLES, id: number): Promise<string> {
  const { db } = app.groundcrew.services;
  const table = twin(db, TABLES[kind]);
  const [row] = await db.orm.select({ nonce: table.nonce }).from(table).where(eq(table.id, id)).limit(1);
  if (!row) return String(id); // no such row: the bare id, as a reference to something that does not exist
  return itemRef({ id, nonce: row.nonce });
}
