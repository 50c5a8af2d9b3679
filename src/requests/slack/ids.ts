import type { IdAliases } from '../../slack/id-aliases.js';

/** Every action_id, callback_id and block_id the requests capability uses: `requests.<what>`. */
export const IDS = {
  pickerView: 'requests.picker',
  /** Home tab button that opens the picker. */
  openPicker: 'requests.open-picker',
  formView: 'requests.form',
  rejectView: 'requests.reject-modal',
  pickTypeBlock: 'requests.type',
  pickTypeAction: 'requests.pick-type',
  /** Each form field's input block is `requests.field.<field id>` (field ids are validated to be block_id safe). */
  fieldBlockPrefix: 'requests.field.',
  fieldAction: 'requests.field-value',
  claim: 'requests.claim',
  done: 'requests.done',
  reject: 'requests.reject',
  queueActionsBlock: 'requests.queue-actions',
  rejectReasonBlock: 'requests.reason',
  rejectReasonAction: 'requests.reason-input',
} as const;

export const fieldBlockId = (fieldId: string) => `${IDS.fieldBlockPrefix}${fieldId}`;

/**
 * The ids before they were named `requests.<what>`. Queue cards, DMs and open modals already in Slack carry them, so
 * an incoming click or submission with an old id is routed as the new one (src/slack/id-aliases.ts).
 */
export const LEGACY_IDS: IdAliases = {
  views: { requests_picker: IDS.pickerView, requests_form: IDS.formView, requests_reject: IDS.rejectView },
  actions: {
    requests_pick_type: IDS.pickTypeAction,
    value: IDS.fieldAction,
    requests_claim: IDS.claim,
    requests_done: IDS.done,
    requests_reject_open: IDS.reject,
    reason: IDS.rejectReasonAction,
  },
  blocks: {
    requests_type: IDS.pickTypeBlock,
    requests_queue_actions: IDS.queueActionsBlock,
    reason: IDS.rejectReasonBlock,
  },
  blockPrefixes: { 'field.': IDS.fieldBlockPrefix },
};
