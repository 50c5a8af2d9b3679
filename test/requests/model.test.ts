import { describe, expect, it } from 'vitest';
import type { RequestField } from '../../src/requests/config.js';
import { formModel } from '../../src/requests/form.js';
import { canTransition, type RequestStatus, slaBreached, sortQueue } from '../../src/requests/model.js';
import { answerViews } from '../../src/requests/slack/answers.js';
import { computeStats, median, percentileNearestRank, type StatsRow } from '../../src/requests/stats.js';
import { REQUIRED_MESSAGE, validateFields } from '../../src/requests/validate.js';

const field = (f: Partial<RequestField> & Pick<RequestField, 'id' | 'type'>): RequestField => ({
  label: f.id,
  required: false,
  ...f,
});

const FIELDS: RequestField[] = [
  field({
    id: 'name',
    type: 'text',
    required: true,
    pattern: '^[a-z][a-z0-9-]+$',
    patternMessage: 'lowercase and dashes',
  }),
  field({ id: 'why', type: 'textarea' }),
  field({
    id: 'size',
    type: 'select',
    options: [
      { value: 's', label: 'Small' },
      { value: 'l', label: 'Large' },
    ],
  }),
  field({
    id: 'envs',
    type: 'multiselect',
    required: true,
    options: [
      { value: 'stg', label: 'Staging' },
      { value: 'prd', label: 'Production' },
    ],
  }),
  field({ id: 'owner', type: 'user', required: true }),
  field({ id: 'alerts', type: 'channel' }),
  field({ id: 'gb', type: 'number', min: 1, max: 64 }),
  field({ id: 'needed', type: 'date' }),
];

// 2026-03-28 23:30 UTC is already 2026-03-29 (00:30 CET → 01:30 CEST, the DST night) in Berlin.
const NOW = new Date('2026-03-28T23:30:00Z');
const TZ = 'Europe/Berlin';

describe('validateFields', () => {
  it('accepts a complete form and returns clean values', () => {
    const result = validateFields(
      FIELDS,
      {
        name: ' billing-db ',
        why: '',
        size: 'l',
        envs: ['stg', 'prd'],
        owner: 'U0OWNER01',
        alerts: 'C0ALERTS1',
        gb: '16',
        needed: '2026-03-29',
      },
      NOW,
      TZ,
    );
    expect(result).toEqual({
      ok: true,
      values: {
        name: 'billing-db',
        why: null,
        size: 'l',
        envs: ['stg', 'prd'],
        owner: 'U0OWNER01',
        alerts: 'C0ALERTS1',
        gb: 16,
        needed: '2026-03-29',
      },
    });
  });

  it('reports every failing field with a human message', () => {
    const result = validateFields(
      FIELDS,
      { name: 'Billing DB', size: 'xl', envs: [], owner: null, alerts: 'nope', gb: '65', needed: '2026-03-28' },
      NOW,
      TZ,
    );
    expect(result).toEqual({
      ok: false,
      errors: {
        name: 'lowercase and dashes',
        size: 'Pick one of the listed options.',
        envs: REQUIRED_MESSAGE,
        owner: REQUIRED_MESSAGE,
        alerts: 'Pick a channel.',
        gb: 'Enter a number between 1 and 64.',
        needed: 'Pick today (2026-03-29) or a later date.',
      },
    });
  });

  it('checks numbers, one-sided ranges and unknown multiselect options', () => {
    const only = (f: RequestField, raw: string | string[]) => validateFields([f], { [f.id]: raw }, NOW, TZ);
    expect(only(field({ id: 'n', type: 'number', min: 3 }), '2')).toEqual({
      ok: false,
      errors: { n: 'Enter a number of at least 3.' },
    });
    expect(only(field({ id: 'n', type: 'number', max: 3 }), '4.5')).toEqual({
      ok: false,
      errors: { n: 'Enter a number of at most 3.' },
    });
    expect(only(field({ id: 'n', type: 'number' }), 'ten')).toEqual({ ok: false, errors: { n: 'Enter a number.' } });
    expect(only(field({ id: 'n', type: 'number' }), '-2.5')).toEqual({ ok: true, values: { n: -2.5 } });
    expect(only(FIELDS[3]!, ['stg', 'dev'])).toEqual({
      ok: false,
      errors: { envs: 'Pick from the listed options (unknown: dev).' },
    });
    expect(only(field({ id: 'p', type: 'text', pattern: '^x$' }), 'y')).toEqual({
      ok: false,
      errors: { p: 'Must match the pattern ^x$.' },
    });
    expect(only(field({ id: 'd', type: 'date' }), '2026-02-30')).toEqual({ ok: false, errors: { d: 'Pick a date.' } });
  });
});

describe('status transitions', () => {
  it('follows the request life and refuses to leave a terminal state', () => {
    const path: RequestStatus[] = ['submitted', 'awaiting_approval', 'approved', 'queued', 'in_progress', 'done'];
    for (let i = 1; i < path.length; i++) expect(canTransition(path[i - 1]!, path[i]!)).toBe(true);
    expect(canTransition('queued', 'claimed')).toBe(true);
    expect(canTransition('claimed', 'rejected')).toBe(true);
    expect(canTransition('awaiting_approval', 'queued')).toBe(false);
    expect(canTransition('done', 'in_progress')).toBe(false);
    expect(canTransition('rejected', 'done')).toBe(false);
    expect(canTransition('claimed', 'claimed')).toBe(false);
  });
});

describe('SLA and the queue order', () => {
  const HOUR = 3_600_000;
  const now = new Date('2026-11-23T12:00:00Z');
  const at = (iso: string) => new Date(iso);
  it('flags only manual requests still with the platform team past their SLA', () => {
    expect(
      slaBreached({ mode: 'manual', status: 'queued', submittedAt: at('2026-11-23T07:59:00Z') }, 4 * HOUR, now),
    ).toBe(true);
    expect(
      slaBreached({ mode: 'manual', status: 'claimed', submittedAt: at('2026-11-23T08:00:00Z') }, 4 * HOUR, now),
    ).toBe(false);
    expect(
      slaBreached({ mode: 'webhook', status: 'queued', submittedAt: at('2026-11-20T00:00:00Z') }, 4 * HOUR, now),
    ).toBe(false);
    expect(
      slaBreached({ mode: 'manual', status: 'done', submittedAt: at('2026-11-20T00:00:00Z') }, 4 * HOUR, now),
    ).toBe(false);
    expect(
      slaBreached({ mode: 'manual', status: 'queued', submittedAt: at('2026-11-20T00:00:00Z') }, undefined, now),
    ).toBe(false);
  });

  it('puts SLA-breached requests first (most overdue first), then the oldest', () => {
    const rows = [
      {
        id: 1,
        mode: 'manual' as const,
        status: 'queued' as const,
        submittedAt: at('2026-11-23T09:00:00Z'),
        sla: 8 * HOUR,
      },
      {
        id: 2,
        mode: 'manual' as const,
        status: 'queued' as const,
        submittedAt: at('2026-11-23T10:00:00Z'),
        sla: 1 * HOUR,
      },
      {
        id: 3,
        mode: 'manual' as const,
        status: 'claimed' as const,
        submittedAt: at('2026-11-23T06:00:00Z'),
        sla: 4 * HOUR,
      },
      {
        id: 4,
        mode: 'webhook' as const,
        status: 'in_progress' as const,
        submittedAt: at('2026-11-23T05:00:00Z'),
        sla: 1 * HOUR,
      },
    ];
    expect(sortQueue(rows, (r) => r.sla, now).map((r) => r.id)).toEqual([3, 2, 4, 1]);
  });
});

describe('answers and the form model', () => {
  it('lays answers out with labels, mentions and option labels', () => {
    const views = answerViews(
      { fields: FIELDS },
      { name: 'x', size: 'l', envs: ['stg', 'prd'], owner: 'U1', alerts: 'C1', gb: 4, why: null },
    );
    expect(views.map((v) => `${v.label}: ${v.text}`)).toEqual([
      'name: x',
      'why: —',
      'size: Large',
      'envs: Staging, Production',
      'owner: <@U1>',
      'alerts: <#C1>',
      'gb: 4',
      'needed: —',
    ]);
  });

  it('prefills defaults and marks optional fields', () => {
    const model = formModel({
      id: 't',
      title: 'T',
      description: 'D',
      fields: [
        field({ id: 'size', type: 'select', options: [{ value: 's', label: 'S' }], default: 's', required: true }),
        FIELDS[1]!,
      ],
      approval: null,
      fulfilment: { kind: 'manual' },
    });
    expect(model.inputs.map((i) => [i.fieldId, i.optional, i.initial])).toEqual([
      ['size', false, 's'],
      ['why', true, null],
    ]);
  });
});

describe('stats', () => {
  const t0 = new Date('2026-11-01T00:00:00Z').getTime();
  const H = 3_600_000;
  const row = (typeId: string, status: StatsRow['status'], mode: StatsRow['mode'], hours: number | null): StatsRow => ({
    typeId,
    status,
    mode,
    submittedAt: new Date(t0),
    completedAt: hours === null ? null : new Date(t0 + hours * H),
  });

  it('computes volume, self-service rate, median, p90 and rejection rate per type', () => {
    const rows: StatsRow[] = [
      row('db', 'done', 'webhook', 1),
      row('db', 'done', 'webhook', 2),
      row('db', 'done', 'manual', 10),
      row('db', 'done', 'webhook', 3),
      row('db', 'rejected', 'webhook', null),
      row('db', 'queued', 'manual', null),
      row('alert', 'rejected', 'manual', null),
    ];
    const [db, alert, none] = computeStats(rows, ['db', 'alert', 'none']);
    // db: 6 requests; 4 done in 1, 2, 3, 10 h; 3 of them by webhook; 1 rejected.
    expect(db).toEqual({
      typeId: 'db',
      volume: 6,
      done: 4,
      selfService: 3,
      selfServiceRate: 0.75,
      medianMs: 2.5 * H,
      p90Ms: 10 * H,
      rejected: 1,
      rejectionRate: 1 / 6,
      open: 1,
    });
    expect(alert).toMatchObject({
      volume: 1,
      done: 0,
      selfServiceRate: null,
      medianMs: null,
      p90Ms: null,
      rejectionRate: 1,
    });
    expect(none).toMatchObject({ volume: 0, rejectionRate: null });
  });

  it('uses the nearest rank for p90 and the middle for the median', () => {
    const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentileNearestRank(ten, 90)).toBe(9);
    expect(percentileNearestRank([...ten, 11], 90)).toBe(10);
    expect(median([1, 2, 3])).toBe(2);
    expect(median([])).toBeNull();
  });
});
