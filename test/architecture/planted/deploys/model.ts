// Planted violation (model-is-pure): a model importing drizzle and a slack/ folder.
import { sql } from 'drizzle-orm';
import { ID } from './slack/ids.js';

export const planted = [sql, ID];
