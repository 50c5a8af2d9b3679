import { z } from 'zod';
import { parseDuration } from '../clock.js';
import { zChannelId, zDuration, zPrincipals } from '../config-fields.js';
import { catastrophicBacktracking } from './regex-safety.js';

/** The field types a request form may use. */
export const FIELD_TYPES = ['text', 'textarea', 'select', 'multiselect', 'user', 'channel', 'number', 'date'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

// src/config.ts imports this module, so its schemas are read lazily (at parse time) to survive the import cycle.

/** Field and type ids become block_ids, option values and command arguments: keep them short and plain. */
const ID_PATTERN = /^[a-z][a-z0-9_-]{0,49}$/;
const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
export const DEFAULT_APPROVAL_TTL = '2h';
export const DEFAULT_WEBHOOK_RETRIES = 3;

function zId(kind: string) {
  return z.string().superRefine((value, ctx) => {
    if (!ID_PATTERN.test(value)) {
      ctx.addIssue({
        code: 'custom',
        message: `${kind} must be lowercase letters, digits, "-" or "_" (starting with a letter, at most 50), got ${JSON.stringify(value)}`,
      });
    }
  });
}

/** `2d`, `4h`, `1h30m` → milliseconds. */
const zOption = z.union([
  z.string().min(1).max(75),
  z.strictObject({ value: z.string().min(1).max(150), label: z.string().min(1).max(75) }),
]);

const zFieldType = z.string().superRefine((value, ctx) => {
  if (!(FIELD_TYPES as readonly string[]).includes(value)) {
    ctx.addIssue({
      code: 'custom',
      message: `unknown field type ${JSON.stringify(value)} (known: ${FIELD_TYPES.join(', ')})`,
    });
  }
});

const zFieldRaw = z.strictObject({
  id: zId('a field id'),
  label: z.string().min(1).max(2000),
  type: zFieldType,
  required: z.boolean().default(false),
  hint: z.string().max(2000).optional(),
  placeholder: z.string().max(150).optional(),
  options: z.array(zOption).max(100).optional(),
  pattern: z.string().min(1).optional(),
  patternMessage: z.string().min(1).optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  default: z.union([z.string(), z.number(), z.array(z.string())]).optional(),
});

export interface FieldOption {
  value: string;
  label: string;
}

function checkField(field: z.infer<typeof zFieldRaw>, ctx: z.core.$RefinementCtx): void {
  const type = field.type as FieldType;
  const isSelect = type === 'select' || type === 'multiselect';
  const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  if (isSelect && (!field.options || field.options.length === 0)) {
    issue(['options'], `a ${type} field needs at least one option`);
  }
  if (!isSelect && field.options)
    issue(['options'], `options only apply to select and multiselect fields, not ${type}`);
  if (isSelect && field.options) {
    const values = field.options.map((o) => (typeof o === 'string' ? o : o.value));
    values.forEach((value, index) => {
      if (values.indexOf(value) !== index) issue(['options', index], `option ${JSON.stringify(value)} is listed twice`);
    });
  }
  if (field.pattern !== undefined) {
    if (type !== 'text' && type !== 'textarea') issue(['pattern'], `pattern only applies to text and textarea fields`);
    let compiles = true;
    try {
      new RegExp(field.pattern);
    } catch (error) {
      compiles = false;
      issue(['pattern'], `not a valid regular expression: ${(error as Error).message}`);
    }
    const danger = compiles ? catastrophicBacktracking(field.pattern) : null;
    if (danger) {
      issue(
        ['pattern'],
        `${JSON.stringify(field.pattern)} refused: ${danger}, so one answer could backtrack for seconds and stall everything; rewrite it so each repeated part ends on a character it cannot itself match and no two repeated parts in a row can match the same characters, e.g. ^[a-z0-9]+(-[a-z0-9]+)*$`,
      );
    }
  }
  if (field.patternMessage !== undefined && field.pattern === undefined) {
    issue(['patternMessage'], 'patternMessage needs a pattern');
  }
  if ((field.min !== undefined || field.max !== undefined) && type !== 'number') {
    issue([field.min !== undefined ? 'min' : 'max'], 'min and max only apply to number fields');
  }
  if (field.min !== undefined && field.max !== undefined && field.min > field.max) {
    issue(['max'], `max (${field.max}) is below min (${field.min})`);
  }
  if (field.default !== undefined) checkDefault(field, type, (message) => issue(['default'], message));
}

function checkDefault(field: z.infer<typeof zFieldRaw>, type: FieldType, fail: (message: string) => void): void {
  const value = field.default;
  const optionValues = (field.options ?? []).map((o) => (typeof o === 'string' ? o : o.value));
  if (type === 'multiselect') {
    const unknown = Array.isArray(value) ? value.filter((v) => !optionValues.includes(v)) : [];
    if (!Array.isArray(value)) fail('a multiselect default is a list of option values');
    else if (unknown.length > 0)
      fail(`default names unknown option(s) ${unknown.map((v) => JSON.stringify(v)).join(', ')}`);
    return;
  }
  if (type === 'number') {
    if (typeof value !== 'number') fail('a number default is a number');
    else if ((field.min !== undefined && value < field.min) || (field.max !== undefined && value > field.max)) {
      fail(`default ${value} is outside min/max`);
    }
    return;
  }
  if (typeof value !== 'string') {
    fail(`a ${type} default is a string`);
    return;
  }
  if (type === 'select' && !optionValues.includes(value))
    fail(`default ${JSON.stringify(value)} is not one of the options`);
  if (type === 'date' && !DATE_PATTERN.test(value)) fail(`a date default looks like 2026-12-31`);
}

export const zRequestField = zFieldRaw.superRefine(checkField).transform(({ options, type, ...rest }) => ({
  ...rest,
  type: type as FieldType,
  ...(options
    ? { options: options.map((o): FieldOption => (typeof o === 'string' ? { value: o, label: o } : o)) }
    : {}),
}));
export type RequestField = z.infer<typeof zRequestField>;

const zApprovalObject = z.strictObject({
  count: z.number().int().min(1).default(1),
  approvers: zPrincipals.refine((p) => p.users.length + p.usergroups.length > 0, {
    message: 'name at least one approver (user ID or usergroup ID)',
  }),
  ttl: zDuration('2h or 1d').default(parseDuration(DEFAULT_APPROVAL_TTL)!),
});

/**
 * A keyword (`none`, `manual`) or an object. Written by hand instead of z.union so a mistake inside the object
 * reports its own path and message rather than a bare "Invalid input".
 */
function keywordOr<K extends string, S extends z.ZodType, A, B>(
  keyword: K,
  whenKeyword: () => A,
  object: S,
  whenObject: (value: z.output<S>) => B,
  expected: string,
) {
  return z.unknown().transform((value, ctx): A | B => {
    if (value === keyword) return whenKeyword();
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      ctx.addIssue({ code: 'custom', message: `expected ${expected}, got ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    const result = object.safeParse(value);
    if (!result.success) {
      for (const issue of result.error.issues) {
        ctx.addIssue({
          code: 'custom',
          path: issue.path,
          message:
            issue.code === 'unrecognized_keys'
              ? `unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`
              : issue.message,
        });
      }
      return z.NEVER;
    }
    return whenObject(result.data);
  });
}

const zApproval = keywordOr(
  'none',
  () => null,
  zApprovalObject,
  (approval) => approval,
  '"none" or { count, approvers, ttl }',
);

const zWebhook = z.strictObject({
  url: z.url({ message: 'expected the webhook URL, like https://automation.example.com/hooks/new-service' }),
  secret: z.string().min(16, { message: 'the shared signing secret must be at least 16 characters' }),
  retries: z.number().int().min(0).max(10).default(DEFAULT_WEBHOOK_RETRIES),
});

const zFulfilment = keywordOr(
  'manual',
  () => ({ kind: 'manual' as const }),
  z.strictObject({ webhook: zWebhook }),
  (value) => ({ kind: 'webhook' as const, ...value.webhook }),
  '"manual" or { webhook: { url, secret, retries } }',
);

export const zRequestType = z
  .strictObject({
    id: zId('a request type id'),
    title: z.string().min(1).max(75),
    description: z.string().min(1).max(1000),
    fields: z.array(zRequestField).max(40).default([]),
    approval: zApproval.default(null),
    fulfilment: zFulfilment,
    sla: zDuration('4h or 2d').optional(),
  })
  .superRefine((type, ctx) => {
    const ids = type.fields.map((f) => f.id);
    ids.forEach((id, index) => {
      if (ids.indexOf(id) !== index) {
        ctx.addIssue({ code: 'custom', path: ['fields', index, 'id'], message: `field id "${id}" is used twice` });
      }
    });
  });
export type RequestType = z.infer<typeof zRequestType>;
export type WebhookFulfilment = Extract<RequestType['fulfilment'], { kind: 'webhook' }>;

/** The `requests:` section of groundcrew.yml. */
export const zRequestsConfig = z
  .strictObject({
    channel: zChannelId,
    types: z
      .array(zRequestType)
      .min(1, { message: 'define at least one request type' })
      // The picker is one Slack select, which holds at most 100 options.
      .max(100, { message: 'at most 100 request types (the picker is one Slack select)' }),
  })
  .superRefine((section, ctx) => {
    const ids = section.types.map((t) => t.id);
    ids.forEach((id, index) => {
      if (ids.indexOf(id) !== index) {
        ctx.addIssue({
          code: 'custom',
          path: ['types', index, 'id'],
          message: `request type id "${id}" is used twice`,
        });
      }
    });
  });
export type RequestsConfig = z.infer<typeof zRequestsConfig>;
