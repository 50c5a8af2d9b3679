/**
 * Slack's Block Kit limits (SLACK_FACTS §5), checked the way Slack reports them: a message per problem with a
 * json-pointer, e.g. `must be less than 3001 characters [json-pointer:/blocks/0/text/text]`. The playground rejects
 * what Slack would reject, so a too-long field fails here too instead of only in a real workspace.
 */

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  Boolean(value) && typeof value === 'object' && !Array.isArray(value);

function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  return isObject(value) && typeof value.text === 'string' ? value.text : undefined;
}

export function blockProblems(blocks: unknown, pointer: string): string[] {
  const problems: string[] = [];
  const tooLong = (text: string | undefined, max: number, at: string) => {
    if (text !== undefined && text.length > max)
      problems.push(`must be less than ${max + 1} characters [json-pointer:${at}]`);
  };
  const tooMany = (list: unknown, max: number, at: string) => {
    if (Array.isArray(list) && list.length > max)
      problems.push(`must provide no more than ${max} items [json-pointer:${at}]`);
  };
  const element = (el: unknown, at: string) => {
    if (!isObject(el)) return;
    tooLong(el.action_id as string | undefined, 255, `${at}/action_id`);
    if (el.type === 'button') {
      tooLong(textOf(el.text), 75, `${at}/text/text`);
      tooLong(el.value as string | undefined, 2000, `${at}/value`);
      tooLong(el.url as string | undefined, 3000, `${at}/url`);
    }
    tooLong(textOf(el.placeholder), 150, `${at}/placeholder/text`);
    const options = Array.isArray(el.options) ? el.options : [];
    tooMany(
      el.options,
      el.type === 'overflow' ? 5 : el.type === 'checkboxes' || el.type === 'radio_buttons' ? 10 : 100,
      `${at}/options`,
    );
    if (Array.isArray(el.options) && el.options.length === 0)
      problems.push(`must provide at least 1 items [json-pointer:${at}/options]`);
    options.forEach((option, i) => {
      if (!isObject(option)) return;
      tooLong(textOf(option.text), 75, `${at}/options/${i}/text/text`);
      tooLong(option.value as string | undefined, 150, `${at}/options/${i}/value`);
    });
  };
  if (!Array.isArray(blocks)) return problems;
  blocks.forEach((block, i) => {
    const at = `${pointer}/${i}`;
    if (!isObject(block)) return;
    tooLong(block.block_id as string | undefined, 255, `${at}/block_id`);
    switch (block.type) {
      case 'section':
        tooLong(textOf(block.text), 3000, `${at}/text/text`);
        tooMany(block.fields, 10, `${at}/fields`);
        if (Array.isArray(block.fields))
          block.fields.forEach((f, j) => {
            tooLong(textOf(f), 2000, `${at}/fields/${j}/text`);
          });
        element(block.accessory, `${at}/accessory`);
        break;
      case 'header':
        tooLong(textOf(block.text), 150, `${at}/text/text`);
        break;
      case 'context':
        tooMany(block.elements, 10, `${at}/elements`);
        break;
      case 'actions':
        tooMany(block.elements, 25, `${at}/elements`);
        if (Array.isArray(block.elements))
          block.elements.forEach((el, j) => {
            element(el, `${at}/elements/${j}`);
          });
        break;
      case 'input':
        tooLong(textOf(block.label), 2000, `${at}/label/text`);
        tooLong(textOf(block.hint), 2000, `${at}/hint/text`);
        element(block.element, `${at}/element`);
        break;
      default:
        break;
    }
  });
  return problems;
}
