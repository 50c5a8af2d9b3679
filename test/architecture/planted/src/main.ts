// Planted violation (main-uses-the-playground-entry): main.ts reaching past the playground's entry.
import { playgroundPort } from './playground/server.js';

export const port = (): number => playgroundPort();
