/**
 * BENCH_BEFORE=<checkout>: an earlier groundcrew measured in the same run as this one, in the commands item.
 *
 * The checkout (e.g. `git worktree add --detach /tmp/before <rev>` with node_modules linked or installed) must have
 * its own bench/groundcrew-app.ts speaking bench/protocol.ts's messages. It is bundled by *this* checkout's
 * scripts/bundle.mjs into `<checkout>/dist/bench-groundcrew-app/` and started with the same node flags as groundcrew,
 * so the two differ only in their code, not in how they are loaded. Its own groundcrew.example.yml is its team file.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './apps.js';

export interface BeforeApp {
  /** The checkout, absolute. */
  dir: string;
  /** `git log -1` of the checkout: short hash and subject. */
  label: string;
  /** The bundled entry to fork. */
  file: string;
  /** Whether that groundcrew can open a `postgres://` database (src/db/postgres.ts exists there). */
  postgres: boolean;
}

/** Reads BENCH_BEFORE; undefined when unset. Exits with a message when the folder is not a usable checkout. */
export async function beforeFromEnv(): Promise<BeforeApp | undefined> {
  const raw = process.env.BENCH_BEFORE?.trim();
  if (!raw) return undefined;
  const dir = resolve(raw);
  const entry = join(dir, 'bench', 'groundcrew-app.ts');
  if (!existsSync(entry) || !existsSync(join(dir, 'node_modules'))) {
    process.stderr.write(
      `bench: BENCH_BEFORE must be a groundcrew checkout with bench/groundcrew-app.ts and node_modules; ${dir} is not\n`,
    );
    process.exit(2);
  }
  let label = dir;
  try {
    label = execFileSync('git', ['-C', dir, 'log', '-1', '--format=%h %s'], { encoding: 'utf8' }).trim();
  } catch {
    // Not a git checkout: the folder names it.
  }
  const bundler = (await import(pathToFileURL(join(repoRoot, 'scripts', 'bundle.mjs')).href)) as {
    bundle(entry: string, outdir: string): Promise<string>;
  };
  // Two folders below that checkout's root, as its sources expect (its migrations/ is found from there).
  const file = await bundler.bundle(entry, join(dir, 'dist', 'bench-groundcrew-app'));
  return { dir, label, file, postgres: existsSync(join(dir, 'src', 'db', 'postgres.ts')) };
}
