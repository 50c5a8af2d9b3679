/**
 * Domain errors carry a code and a message meant for the person who caused them.
 * Adapters (Slack listeners, HTTP hooks) translate them; services never throw transport errors.
 */
export type DomainErrorCode = 'not_found' | 'forbidden' | 'conflict' | 'invalid_input' | 'unavailable';

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    /** Optional per-field messages, keyed by a field name the adapter maps to a block_id. */
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (message: string) => new DomainError('not_found', message);
export const forbidden = (message: string) => new DomainError('forbidden', message);
export const conflict = (message: string) => new DomainError('conflict', message);
export const invalidInput = (message: string, fields: Record<string, string> = {}) =>
  new DomainError('invalid_input', message, fields);

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}
