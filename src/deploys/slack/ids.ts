/** Every action_id / block_id / callback_id the deploys capability uses. */
export const DEPLOY_IDS = {
  /** Status message buttons; value = deploy ID. */
  statusActions: 'deploys.status-actions',
  cancelButton: 'deploys.cancel',
  rollbackButton: 'deploys.rollback',
  /** "Notify me when free" on `/platform locks`; value = lock ID. */
  notifyWhenFree: 'deploys.notify-when-free',
  /** Prefix: actions under a blocked `/platform deploy` answer, one block per lock in the way (`.<lock id>`). */
  blockedActions: 'deploys.blocked-actions',
  /** Home tab button that opens the deploy modal. */
  openModalButton: 'deploys.open-modal',
  /** The deploy modal. */
  modal: 'deploys.modal',
  serviceBlock: 'deploys.service',
  serviceSelect: 'deploys.service-select',
  /** Prefix: the environment block's ID names the service, so Slack resets it when the service changes. */
  environmentBlock: 'deploys.environment',
  environmentSelect: 'deploys.environment-select',
  refBlock: 'deploys.ref',
  refInput: 'deploys.ref-input',
  reasonBlock: 'deploys.reason',
  reasonInput: 'deploys.reason-input',
  breakGlassBlock: 'deploys.break-glass',
  breakGlassCheckbox: 'deploys.break-glass-checkbox',
} as const;

export const environmentBlockId = (service: string) => `${DEPLOY_IDS.environmentBlock}.${service || 'none'}`;
