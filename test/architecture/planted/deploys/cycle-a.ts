// Planted violation (no-cycles): cycle-a ↔ cycle-b.
import { b } from './cycle-b.js';

export const a = (): number => b() + 1;
