import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { escapeMrkdwn, mention, mrkdwn } from '../../src/mrkdwn.js';
import { context, linesToSections, mrkdwnText, section } from '../../src/slack/mrkdwn.js';

/**
 * Escaping cannot be forgotten, by type: the Block Kit text helpers take `Mrkdwn` (from the `mrkdwn` tag, which
 * escapes what it interpolates, or escapeMrkdwn / a mention), never a raw string; and the tag refuses text that is
 * already mrkdwn unless it is `trusted(…)` (it would be escaped twice). The `@ts-expect-error` lines below are
 * checked by `tsc` (CI and the pre-commit check); the test also runs the compiler on a planted capability file, so
 * the suite itself fails if the helpers ever take a plain string again.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const someoneTyped: string = '<!channel> deploy now';

describe('mrkdwn by type', () => {
  it('the helpers refuse a raw string at compile time and take what the builder makes', () => {
    // @ts-expect-error a raw string is not Mrkdwn
    section(someoneTyped);
    // @ts-expect-error a raw string is not Mrkdwn
    context(`Reason: ${someoneTyped}`);
    // @ts-expect-error raw lines are not Mrkdwn
    linesToSections([someoneTyped]);
    // @ts-expect-error a raw string is not Mrkdwn
    mrkdwnText(someoneTyped);
    // @ts-expect-error text that is already mrkdwn would be escaped twice: trusted(…) or mention(…)
    mrkdwn`by ${escapeMrkdwn(someoneTyped)}`;

    const block = section(mrkdwn`Reason: ${someoneTyped} (asked by ${mention('U0ALICE01')})`);
    expect(block).toEqual({
      type: 'section',
      text: { type: 'mrkdwn', text: 'Reason: &lt;!channel&gt; deploy now (asked by <@U0ALICE01>)' },
    });
  });

  it('the compiler refuses a capability that puts raw text in a block (planted file)', () => {
    const plantedPath = join(ROOT, 'test/slack/planted-raw-mrkdwn.ts');
    const planted = `import { context, mrkdwn, section } from '../../src/slack/mrkdwn.js';
export const reason = (text: string) => [section(text), context(\`Reason: \${text}\`), section(mrkdwn\`Reason: \${text}\`)];
`;
    const config = ts.parseJsonConfigFileContent(
      JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')),
      ts.sys,
      ROOT,
    );
    const host = ts.createCompilerHost(config.options);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (name, version, ...rest) =>
      name === plantedPath ? ts.createSourceFile(name, planted, version) : getSourceFile(name, version, ...rest);
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (name) => name === plantedPath || fileExists(name);
    const program = ts.createProgram([plantedPath], config.options, host);
    const errors = ts.getPreEmitDiagnostics(program, program.getSourceFile(plantedPath)).map((d) => ({
      line: d.file ? d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1 : 0,
      message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
    }));
    // Both raw uses on line 2 are refused; the builder's section on the same line is not.
    expect(errors).toHaveLength(2);
    for (const error of errors) {
      expect(error.line).toBe(2);
      expect(error.message).toMatch(/not assignable to parameter of type 'Mrkdwn'/);
    }
  }, 60_000);

  it('no capability builds a mrkdwn text object by hand (they go through mrkdwnText, section or context)', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
        const path = `${dir}/${entry.name}`;
        if (entry.isDirectory()) {
          if (path !== 'src/playground') walk(path);
        } else if (path.endsWith('.ts') && path !== 'src/slack/mrkdwn.ts') {
          if (/type: 'mrkdwn'/.test(readFileSync(join(ROOT, path), 'utf8'))) offenders.push(path);
        }
      }
    };
    walk('src');
    expect(offenders).toEqual([]);
  });
});
