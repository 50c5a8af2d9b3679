import { describe, expect, it } from 'vitest';
import { escalationParts } from '../../src/support/escalation-rules.js';
import { excerptOf } from '../../src/support/knowledge.js';
import { buildIndex, type SearchDoc, tokens } from '../../src/support/search.js';

const doc = (id: string, title: string, text: string, kind: SearchDoc['kind'] = 'doc'): SearchDoc => ({
  id,
  kind,
  title,
  text,
  url: null,
});

describe('support search (BM25)', () => {
  it('tokens: lowercase words, stop words and one-letter words left out, a plural s dropped', () => {
    expect(tokens('How do I rotate the Passwords for DBs?')).toEqual(['rotate', 'password', 'dbs']);
    expect(tokens('classes access')).toEqual(['classe', 'access']); // crude, but the same on both sides of the match
  });

  it('ranks the section with the rare words first; a word in every document counts for little', () => {
    const index = buildIndex([
      doc('a', 'Deploys', 'platform deploy pipeline platform'),
      doc('b', 'Databases — Rotating the password', 'platform rotate the database password with the CLI'),
      doc('c', 'Networking', 'platform DNS records and certificates'),
    ]);
    const hits = index.search('how do I rotate the platform database password', 3);
    expect(hits.map((h) => h.doc.id)).toEqual(['b', 'a', 'c'].slice(0, hits.length));
    expect(hits[0]?.doc.id).toBe('b');
    expect(hits[0]!.score).toBeGreaterThan(hits[1]?.score ?? 0);
  });

  it('answers nothing for a question that shares no word, and at most `limit` hits', () => {
    const index = buildIndex([doc('a', 'Deploys', 'deploy'), doc('b', 'Deploys again', 'deploy deploy')]);
    expect(index.search('kubernetes quota', 3)).toEqual([]);
    expect(index.search('deploy', 1)).toHaveLength(1);
    expect(buildIndex([]).search('deploy', 3)).toEqual([]);
  });

  it('a shorter document with the same matches ranks higher (length normalisation)', () => {
    const index = buildIndex([
      doc('long', 'Runbook', `restart worker ${'filler '.repeat(200)}`),
      doc('short', 'Restart', 'restart worker'),
    ]);
    expect(index.search('restart worker', 2).map((h) => h.doc.id)).toEqual(['short', 'long']);
  });
});

describe('support: escalation parts and answer excerpts', () => {
  it('an on-duty step with nobody on duty goes to the triage channel; with someone, only the DM', () => {
    expect(escalationParts({ notify: ['onDuty'] }, [])).toEqual(['triage']);
    expect(escalationParts({ notify: ['onDuty'] }, ['U0PAT0001', 'U0PAT0001'])).toEqual(['dm:U0PAT0001']);
    expect(escalationParts({ notify: ['onDuty', 'triage', 'responders'] }, [])).toEqual(['triage']);
    expect(escalationParts({ notify: ['triage'] }, ['U0PAT0001'])).toEqual(['triage']);
  });

  it('a saved answer’s excerpt is one line, cut at a word under 140 characters', () => {
    expect(excerptOf('Run  kubectl\nrollout restart')).toBe('Run kubectl rollout restart');
    const long = excerptOf('word '.repeat(60));
    expect(long.length).toBeLessThanOrEqual(141);
    expect(long.endsWith('word…')).toBe(true);
  });

  it('a saved answer’s excerpt is plain text: Slack markup is not escaped a second time, nobody is pinged', () => {
    const saved =
      'Ask <@U0PAT0001> &amp; <!here>: see <https://wiki.example/db|the runbook> in <#C0SUPPORT1|platform-help>';
    expect(excerptOf(`${saved} or <https://wiki.example/x> &lt;3`)).toBe(
      'Ask @U0PAT0001 & @here: see the runbook in #platform-help or https://wiki.example/x <3',
    );
  });
});
