// The planted playground's entry: the one file of it main.ts may import.
export { playgroundPort } from './server.js';
