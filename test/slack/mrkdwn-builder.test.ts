import { describe, expect, it } from 'vitest';
import { channelLink, escapeMrkdwn, link, mention, mrkdwn, trusted, userMention } from '../../src/mrkdwn.js';

const HOSTILE = '<!channel> <@U0VICTIM1> <#C123> <!subteam^S123> <https://evil.test|click> & more';

describe('the mrkdwn builder escapes by default', () => {
  it('escapes every interpolated value; literal parts and trusted pieces stay as written', () => {
    expect(
      mrkdwn`*Reason* ${HOSTILE} by ${mention('U0ALICE01')} in ${channelLink('C0DEPLOYS1')}${trusted(' _ok_')}`,
    ).toBe(`*Reason* ${escapeMrkdwn(HOSTILE)} by <@U0ALICE01> in <#C0DEPLOYS1> _ok_`);
    expect(escapeMrkdwn(HOSTILE)).not.toMatch(/[<>]/);
    expect(mrkdwn`${42} ${null} ${undefined}`).toBe('42  ');
  });

  it('mentions only well-formed ids; anything else is shown as text', () => {
    expect(userMention('U0ALICE01')).toBe('<@U0ALICE01>');
    expect(userMention('U1>|<!channel')).toBe('@U1&gt;|&lt;!channel');
    expect(mrkdwn`${mention('<!here>')}`).toBe('@&lt;!here&gt;');
  });

  it('link(): a plain http(s) URL becomes <url|label> with the label escaped; anything else is escaped text', () => {
    expect(mrkdwn`${link('https://ci.example/run/1?a=1&b=2', 'Run <1>')}`).toBe(
      '<https://ci.example/run/1?a=1&b=2|Run &lt;1&gt;>',
    );
    expect(mrkdwn`${link('https://ci.example/r')}`).toBe('<https://ci.example/r|https://ci.example/r>');
    for (const url of [
      'https://x/><!channel>',
      'https://x/|<@U0VICTIM1>',
      'https://x/ <!here>',
      'javascript:alert(1)',
    ]) {
      const shown = mrkdwn`${link(url, 'Run')}`;
      expect(shown, url).not.toMatch(/<!channel>|<!here>|<@U|<https|<javascript/);
      expect(shown, url).toBe(`Run (${escapeMrkdwn(url)})`);
    }
  });
});
