import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { ackBody } from '../support/harness.js';
import { eventually, settled } from '../support/wait.js';
import { ADMIN, answerRef, dmsTo, stopAppAfterEach, submitAnswer } from './support.js';

/**
 * The anonymity rules proven on the live schema (the migrated database the app runs on, SQLite or PostgreSQL):
 * no column, index, timestamp, row order or row version links an anonymous answer to the person who gave it.
 */

const apps = stopAppAfterEach();

type Row = Record<string, unknown>;

async function query(database: Database, text: string): Promise<Row[]> {
  if (database.dialect === 'sqlite') return database.sqlite!.prepare(text).all() as Row[];
  const orm = database.orm as unknown as { execute(q: unknown): Promise<{ rows: Row[] }> };
  return (await orm.execute(sql.raw(text))).rows;
}

async function columns(database: Database, table: string): Promise<{ name: string; type: string }[]> {
  if (database.dialect === 'sqlite') {
    return (await query(database, `pragma table_info(${table})`)).map((r) => ({
      name: String(r.name),
      type: String(r.type).toLowerCase(),
    }));
  }
  return (
    await query(
      database,
      `select column_name as name, data_type as type from information_schema.columns where table_name = '${table}' order by ordinal_position`,
    )
  ).map((r) => ({ name: String(r.name), type: String(r.type).toLowerCase() }));
}

/** Every index on the table, with its columns. */
async function indexes(database: Database, table: string): Promise<string[]> {
  if (database.dialect === 'sqlite') {
    const list = await query(database, `pragma index_list(${table})`);
    return Promise.all(
      list.map(async (i) => {
        const cols = await query(database, `pragma index_info(${String(i.name)})`);
        return `${i.origin === 'pk' ? 'pk' : String(i.name)}(${cols.map((c) => c.name).join(',')})`;
      }),
    );
  }
  return (await query(database, `select indexdef from pg_indexes where tablename = '${table}' order by indexname`)).map(
    (r) => String(r.indexdef).replace(/^.* USING btree /, 'pk'),
  );
}

const PEOPLE = ['U0AAA00001', 'U0BBB00001', 'U0CCC00001', 'U0DDD00001'];

/** Runs a wave where PEOPLE answer one after another with `scores`; returns every survey table as stored. */
/** Cells sorted by their ctid (page, item) come out in key order: the physical order says nothing about answers. */
function physicalOrderIsKeyOrder(rows: Row[]): boolean {
  const at = (r: Row) => String(r.ctid).slice(1, -1).split(',').map(Number) as [number, number];
  const byPlace = [...rows].sort((a, b) => at(a)[0] - at(b)[0] || at(a)[1] - at(b)[1]);
  return byPlace.every((r, i) => r === rows[i]);
}

type Answer = { score: number; area: string; comment?: string };

async function runWave(answers: Answer[]) {
  const app = await apps.start({
    members: PEOPLE,
    surveys: [
      {
        id: 'pulse',
        audience: ['C0PLATUSE1'],
        resultsChannel: 'C0RESULTS1',
        followUps: { area: ['CI/CD', 'docs'] },
        minGroupSize: 3,
      },
    ],
  });
  await ackBody(await app.command('survey start pulse', { user_id: ADMIN }));
  for (const person of PEOPLE) await eventually(() => expect(dmsTo(app, person)).toHaveLength(1));
  const ref = answerRef(dmsTo(app, PEOPLE[0]!)[0]!);
  const d = app.database;
  const physical = d.dialect === 'sqlite' ? 'rowid' : 'ctid::text as ctid';
  const tallyState = () => query(d, `select ${physical}, * from survey_tallies order by wave_id, area, score`);
  const before = await tallyState();
  const versions: number[] = [];
  for (const [i, person] of PEOPLE.entries()) {
    app.clock.advance(3_600_000 * (i + 1));
    const response = await submitAnswer(app, person, ref, answers[i]!);
    expect(await response.text()).toBe('');
    if (d.dialect === 'postgres') {
      // Every cell of the wave carries the same, latest, row version after each answer.
      versions.push(Number((await query(d, 'select count(distinct xmin::text) as n from survey_tallies'))[0]!.n));
    }
  }
  await settled(app);
  const after = await tallyState();
  const dump = async (table: string, order: string) =>
    d.dialect === 'sqlite'
      ? query(d, `select rowid, * from ${table} order by ${order}`)
      : query(d, `select * from ${table} order by ${order}`);
  const state = {
    // With their physical place on SQLite (the rowid). On PostgreSQL the ctid of a rewritten cell depends on when
    // the page was pruned, so what is checked is that the physical order is the key order (physicalOrderIsKeyOrder).
    tallies: d.dialect === 'sqlite' ? after : after.map(({ ctid: _c, ...r }) => r),
    physicalOrderIsKeyOrder: d.dialect === 'sqlite' || physicalOrderIsKeyOrder(after),
    comments: await dump('survey_comment_sets', 'wave_id'),
    invitations: await dump('survey_invitations', 'wave_id, user_id'),
    identified: await dump('survey_identified_answers', 'wave_id, user_id'),
  };
  return { before, after, versions, state, dialect: d.dialect };
}

describe('anonymous answers cannot be joined to a person (live schema)', () => {
  it('has no column, timestamp or index that could hold who answered what', async () => {
    const app = await apps.start();
    const d = app.database;
    const names = async (t: string) => (await columns(d, t)).map((c) => c.name);
    expect(await names('survey_tallies')).toEqual(['wave_id', 'area', 'score', 'count']);
    expect(await names('survey_comment_sets')).toEqual(['wave_id', 'comments']);
    // The invitation knows who, never what or when.
    expect(await names('survey_invitations')).toEqual([
      'wave_id',
      'user_id',
      'delivery',
      'dm_channel',
      'dm_ts',
      'reminded',
      'answered',
    ]);
    expect(await names('survey_opt_outs')).toEqual(['user_id']);
    // Micro-pulse: the answers are counts per month; who was asked holds when (the 30-day limit), never a score.
    expect(await names('survey_micro_tallies')).toEqual(['survey_id', 'period', 'score', 'count']);
    expect(await names('survey_micro_asks')).toEqual(['survey_id', 'user_id', 'asked_at', 'period', 'pending']);
    // No time column anywhere but the wave's own window.
    for (const table of [
      'survey_tallies',
      'survey_comment_sets',
      'survey_invitations',
      'survey_identified_answers',
      'survey_opt_outs',
      'survey_micro_tallies',
    ]) {
      for (const c of await columns(d, table)) {
        expect(`${table}.${c.name} ${c.type}`).not.toMatch(/_at |timestamp|date|time/);
      }
    }
    // No autoincrement, identity or default that numbers answers: only the keys.
    if (d.dialect === 'sqlite') {
      const seq = await query(
        d,
        "select sql from sqlite_master where name in ('survey_tallies','survey_comment_sets','survey_invitations')",
      );
      for (const row of seq) expect(String(row.sql)).not.toMatch(/autoincrement|default \(|current_/i);
      expect(await indexes(d, 'survey_tallies')).toEqual(['pk(wave_id,area,score)']);
      // wave_id is the table's integer key, so SQLite keeps it as the rowid: no index, and one row per wave.
      expect(await indexes(d, 'survey_comment_sets')).toEqual([]);
      expect(await indexes(d, 'survey_invitations')).toEqual(['pk(wave_id,user_id)']);
      expect(d.sqlite!.pragma('secure_delete', { simple: true })).toBe(1);
    } else {
      const identities = await query(
        d,
        "select table_name, column_name from information_schema.columns where table_name like 'survey_%' and (is_identity = 'YES' or column_default is not null) and table_name <> 'survey_waves'",
      );
      expect(identities.map((r) => `${r.table_name}.${r.column_name}`).sort()).toEqual([
        'survey_identified_answers.contact',
        'survey_invitations.answered',
        'survey_invitations.delivery',
        'survey_invitations.reminded',
        'survey_micro_tallies.count',
        'survey_tallies.count',
      ]);
      expect(await indexes(d, 'survey_tallies')).toEqual(['pk(wave_id, area, score)']);
      expect(await indexes(d, 'survey_comment_sets')).toEqual(['pk(wave_id)']);
      const triggers = await query(
        d,
        "select tgname from pg_trigger t join pg_class c on c.oid = t.tgrelid where c.relname like 'survey_%' and not t.tgisinternal",
      );
      expect(triggers).toEqual([]);
    }
  });

  it('after several people answer one after another, who gave which answer leaves no trace: swapping answers gives the same database', async () => {
    const answers: Answer[] = [
      { score: 10, area: 'CI/CD', comment: 'Zippy deploys' },
      { score: 3, area: 'docs' },
      { score: 7, area: 'docs', comment: 'Alerts are noisy' },
      { score: 9, area: 'CI/CD', comment: 'Builds are slow' },
    ];
    const first = await runWave(answers);
    await apps.stop();
    // The same people answer in the same order, but each gives another's answer.
    const swapped = await runWave([answers[2]!, answers[0]!, answers[3]!, answers[1]!]);
    // Every stored tally — values, keys and their physical place (rowid on SQLite) — is the same.
    expect(first.state.tallies).toEqual(swapped.state.tallies);
    expect(
      first.state.tallies.filter((r) => Number(r.count) > 0).map((r) => `${r.area} ${r.score}×${r.count}`),
    ).toEqual(['CI/CD 9×1', 'CI/CD 10×1', 'docs 3×1', 'docs 7×1']);
    // No row was created by an answer: the tally rows keep their physical place (rowid / ctid set) and order.
    expect(first.after.length).toBe(first.before.length);
    const place = (rows: Row[]) => rows.map((r) => String(first.dialect === 'sqlite' ? r.rowid : r.ctid));
    if (first.dialect === 'sqlite') expect(place(first.after)).toEqual(place(first.before));
    // The comment set is one sorted list: the same whoever wrote which comment, in whichever order.
    expect(first.state.comments).toEqual(swapped.state.comments);
    expect(first.state.comments[0]!.comments).toEqual(
      first.dialect === 'sqlite'
        ? JSON.stringify(['Alerts are noisy', 'Builds are slow', 'Zippy deploys'])
        : ['Alerts are noisy', 'Builds are slow', 'Zippy deploys'],
    );
    // Invitations say only that everyone answered, the same in both runs; nothing is stored with a person.
    // (The DM's ts says when the DM went out, four at a time: not about answers, so left out of the comparison.)
    const noTs = (rows: Row[]) => rows.map(({ dm_ts: _t, ...r }) => r);
    expect(noTs(first.state.invitations)).toEqual(noTs(swapped.state.invitations));
    expect(first.state.invitations.every((r) => r.answered === 1 || r.answered === true)).toBe(true);
    expect(first.state.identified).toEqual([]);
    expect(first.state.physicalOrderIsKeyOrder && swapped.state.physicalOrderIsKeyOrder).toBe(true);
    if (first.dialect === 'postgres') expect(first.versions).toEqual([1, 1, 1, 1]);
  });
});
