/** Every action_id, callback_id and block_id the requests capability uses. */
export const IDS = {
  pickerView: 'requests_picker',
  formView: 'requests_form',
  rejectView: 'requests_reject',
  pickTypeBlock: 'requests_type',
  pickTypeAction: 'requests_pick_type',
  /** Each form field's input block is `field.<field id>` (field ids are validated to be block_id safe). */
  fieldBlockPrefix: 'field.',
  fieldAction: 'value',
  claim: 'requests_claim',
  done: 'requests_done',
  reject: 'requests_reject_open',
  queueActionsBlock: 'requests_queue_actions',
  rejectReasonBlock: 'reason',
  rejectReasonAction: 'reason',
} as const;

export const fieldBlockId = (fieldId: string) => `${IDS.fieldBlockPrefix}${fieldId}`;
