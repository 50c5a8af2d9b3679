import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// Slack's official app manifest schema, kept in the repo so the check runs on every clone (source: see
// test/fixtures/README.md). A missing file fails the test instead of skipping it.
const schema = JSON.parse(readFileSync(new URL('./fixtures/slack-manifest.schema.json', import.meta.url), 'utf8'));
const manifest = parse(readFileSync(new URL('../manifest.yml', import.meta.url), 'utf8'));

describe('manifest.yml', () => {
  it("validates against Slack's official app manifest schema", () => {
    const ajv = new Ajv({ allErrors: true, strict: false, logger: false });
    const validate = ajv.compile(schema);
    const valid = validate(manifest);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('is rejected by the schema when broken (the check can fail)', () => {
    const ajv = new Ajv({ allErrors: true, strict: false, logger: false });
    const broken = { ...manifest, display_information: { name: '' }, unexpected: true };
    expect(ajv.validate(schema, broken)).toBe(false);
  });

  it('sends commands, interactivity and events to /slack/events with the Home tab on', () => {
    expect(manifest.features.slash_commands.map((c: { command: string }) => c.command)).toContain('/platform');
    for (const url of [
      manifest.features.slash_commands[0].url,
      manifest.settings.interactivity.request_url,
      manifest.settings.event_subscriptions.request_url,
    ]) {
      expect(url).toBe('https://YOUR-HOST/slack/events');
    }
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
    expect(manifest.settings.event_subscriptions.bot_events).toContain('app_home_opened');
    // Exactly the scopes the code uses: /platform (commands); chat.postMessage/update/postEphemeral, DMs by user ID
    // (chat:write); posting in public channels the bot was not invited to (chat:write.public);
    // usergroups.users.list for platform team, owners and approvers given as usergroups (usergroups:read);
    // conversations.info, so the doctor can tell a wrong or archived channel ID before a post fails, and
    // member_joined_channel for the communities' welcome DM (channels:read); users.info for each person's time zone
    // in community DMs, and team_join for the welcome DM to people joining the workspace (users:read).
    // conversations.members for a survey audience given as a channel (channels:read; groups:read for a private one);
    // files.getUploadURLExternal / files.completeUploadExternal for a survey's trend chart (files:write).
    // Survey DMs go to user IDs with chat.postMessage (chat:write): no conversations.open, so no im:write.
    // views.open/update/publish need no scope. Support (docs/support.md, "Slack permissions"): help-channel messages
    // (message.channels needs channels:history), 👀 ✅ ⏳ 📖 (reaction_added/removed need reactions:read), the
    // asker's time zone from users.info (users:read); the message shortcut needs only `commands`. Communities
    // (docs/communities.md, "Slack scopes and events"): Join buttons call conversations.invite (channels:manage, public
    // channels only); agenda items from replies in an agenda request's thread (message.channels, channels:history).
    expect(manifest.oauth_config.scopes.bot).toEqual([
      'commands',
      'chat:write',
      'chat:write.public',
      'channels:read',
      'groups:read',
      'usergroups:read',
      'users:read',
      'files:write',
      'channels:history',
      'reactions:read',
      'channels:manage',
    ]);
    expect(manifest.settings.event_subscriptions.bot_events).toEqual([
      'app_home_opened',
      'member_joined_channel',
      'team_join',
      'message.channels',
      'reaction_added',
      'reaction_removed',
    ]);
    expect(manifest.features.shortcuts).toEqual([
      expect.objectContaining({ type: 'message', callback_id: 'support.track', name: 'Track support question' }),
    ]);
  });
});
