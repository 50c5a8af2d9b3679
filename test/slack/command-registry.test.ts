import { describe, expect, it } from 'vitest';
import { CommandRegistry, type Subcommand } from '../../src/slack/command-registry.js';

const noop = async () => {};
const cmd = (name: string, minRole: Subcommand['minRole'] = 'member', booleanFlags?: string[]): Subcommand => ({
  name,
  usage: name,
  summary: name,
  minRole,
  handle: noop,
  ...(booleanFlags ? { booleanFlags } : {}),
});

function registry() {
  const r = new CommandRegistry();
  r.add(cmd('deploy', 'member', ['dry-run']));
  r.add(cmd('locks'));
  r.add(cmd('admin jobs', 'admin'));
  r.add(cmd('admin run', 'admin'));
  return r;
}

describe('CommandRegistry', () => {
  it('resolves one- and two-word names and parses the rest', () => {
    const r = registry();
    const deploy = r.resolve('deploy api staging --dry-run');
    expect(deploy.kind === 'command' && deploy.command.name).toBe('deploy');
    expect(deploy.kind === 'command' && deploy.args).toEqual({
      positional: ['api', 'staging'],
      flags: { 'dry-run': true },
    });
    const run = r.resolve('admin run core.prune-events');
    expect(run.kind === 'command' && [run.command.name, run.rest]).toEqual(['admin run', 'core.prune-events']);
  });

  it('treats empty text and help as help', () => {
    expect(registry().resolve('').kind).toBe('help');
    expect(registry().resolve('  help ').kind).toBe('help');
  });

  it('suggests the closest name, within a group for two-word names', () => {
    expect(registry().resolve('deplyo api')).toEqual({ kind: 'unknown', typed: 'deplyo', suggestion: 'deploy' });
    expect(registry().resolve('admin jbos')).toEqual({
      kind: 'unknown',
      typed: 'admin jbos',
      suggestion: 'admin jobs',
    });
  });

  it('shows each role only what it may run', () => {
    expect(
      registry()
        .visibleTo('member')
        .map((c) => c.name),
    ).toEqual(['deploy', 'locks']);
    expect(
      registry()
        .visibleTo('admin')
        .map((c) => c.name),
    ).toEqual(['deploy', 'locks', 'admin jobs', 'admin run']);
  });

  it('refuses duplicate names', () => {
    expect(() => registry().add(cmd('deploy'))).toThrow(/registered twice/);
  });
});
