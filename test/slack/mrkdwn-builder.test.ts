import { describe, expect, it } from 'vitest';
import { channelLink, escapeMrkdwn, mention, mrkdwn, trusted, userMention } from '../../src/mrkdwn.js';

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
});
