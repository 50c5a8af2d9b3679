import { adminCapability } from './admin/capability.js';
import { approvalsCapability } from './approvals/capability.js';
import type { Capability } from './capability.js';
import { communitiesCapability } from './communities/capability.js';
import { coreCapability } from './core/capability.js';
import { deploysCapability } from './deploys/capability.js';
import { requestsCapability } from './requests/capability.js';
import { supportCapability } from './support/capability.js';
import { surveysCapability } from './surveys/capability.js';

/** Every capability groundcrew runs, in the order their commands appear in help. */
export const capabilities: readonly Capability[] = [
  coreCapability,
  adminCapability,
  approvalsCapability,
  deploysCapability,
  requestsCapability,
  communitiesCapability,
  surveysCapability,
  supportCapability,
];
