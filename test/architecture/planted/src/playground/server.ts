// A planted playground file other than its entry.
export const playgroundPort = (): number => 3000;
