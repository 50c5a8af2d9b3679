/** Every action_id, callback_id and block_id the communities capability uses: `communities.<what>`. */
export const IDS = {
  /** An occurrence's buttons; the block_id carries nothing, each button's value is the occurrence key. */
  actionsBlock: 'communities.actions',
  going: 'communities.rsvp-going',
  notGoing: 'communities.rsvp-not-going',
  addAgenda: 'communities.agenda-add',
  signUp: 'communities.signup',
  follow: 'communities.follow',
  cancel: 'communities.lead-cancel',
  move: 'communities.lead-move',
  agendaView: 'communities.agenda-modal',
  agendaBlock: 'communities.agenda-item',
  agendaInput: 'communities.agenda-item-input',
  signUpView: 'communities.signup-modal',
  topicBlock: 'communities.topic',
  topicInput: 'communities.topic-input',
  moveView: 'communities.move-modal',
  whenBlock: 'communities.when',
  whenInput: 'communities.when-input',
  reasonBlock: 'communities.reason',
  reasonInput: 'communities.reason-input',
} as const;
