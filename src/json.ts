/** JSON.parse that answers `undefined` instead of throwing (undefined is never a parsed JSON value). */
export function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
