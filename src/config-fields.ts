import { IANAZone } from 'luxon';
import { z } from 'zod';
import { parseDuration } from './clock.js';

/** Field schemas shared by every section of groundcrew.yml. No imports from capabilities: no cycles. */

function idString(kind: string, example: string, pattern: RegExp) {
  return z.string().superRefine((value, ctx) => {
    if (!pattern.test(value)) {
      ctx.addIssue({ code: 'custom', message: `expected ${kind} like ${example}, got ${JSON.stringify(value)}` });
    }
  });
}

export const zUserId = idString('a user ID', 'U0123ABCD', /^[UW][A-Z0-9]{2,}$/);
export const zChannelId = idString('a channel ID', 'C0123ABCD', /^[CG][A-Z0-9]{2,}$/);
export const zUsergroupId = idString('a usergroup ID', 'S0123ABCD', /^S[A-Z0-9]{2,}$/);

/** People named in config: a list mixing user IDs (U…/W…) and usergroup IDs (S…). */
export interface Principals {
  users: string[];
  usergroups: string[];
}

export const zPrincipals = z
  .array(idString('a user ID or usergroup ID', 'U0123ABCD or S0123ABCD', /^[UWS][A-Z0-9]{2,}$/))
  .default([])
  .transform(
    (ids): Principals => ({
      users: ids.filter((id) => !id.startsWith('S')),
      usergroups: ids.filter((id) => id.startsWith('S')),
    }),
  );

export const zTimezone = z.string().superRefine((value, ctx) => {
  if (!IANAZone.isValidZone(value)) {
    ctx.addIssue({
      code: 'custom',
      message: `expected an IANA time zone like Europe/Berlin, got ${JSON.stringify(value)}`,
    });
  }
});

/** A duration people write (`2h`, `90m`, `1h30m`, `1d`), parsed to milliseconds; `example` is shown on a mistake. */
export function zDuration(example: string) {
  return z.string().transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === null) {
      ctx.addIssue({ code: 'custom', message: `expected a duration like ${example}, got ${JSON.stringify(text)}` });
      return z.NEVER;
    }
    return ms;
  });
}
