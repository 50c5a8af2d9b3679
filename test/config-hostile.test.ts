import { describe, expect, it } from 'vitest';
import { ConfigError, parseTeamConfig } from '../src/config.js';

describe('hostile YAML', () => {
  it('a billion-laughs alias bomb is a config error naming the file, not a crash', () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i <= 8; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const yaml = `${lines.join('\n')}\n`;
    let thrown: unknown;
    try {
      parseTeamConfig(yaml, '/etc/groundcrew/groundcrew.yml');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).problems).toEqual([
      expect.stringMatching(/^\/etc\/groundcrew\/groundcrew\.yml: .*alias/i),
    ]);
  });
});
