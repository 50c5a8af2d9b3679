import { a } from './cycle-a.js';

export const b = (): number => (a.length > 99 ? a() : 0);
