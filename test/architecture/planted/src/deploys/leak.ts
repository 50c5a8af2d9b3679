// Planted violation (playground-through-its-entry): product code other than main.ts importing the playground.
import { playgroundPort } from '../playground/index.js';

export const leaked = (): number => playgroundPort();
