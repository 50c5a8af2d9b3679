import type { PgTable } from 'drizzle-orm/pg-core';
import { approvalDecisionsTable, approvalMessagesTable, approvalsTable } from '../approvals/schema.js';
import {
  communityAgendaItemsTable,
  communityAnnouncementsTable,
  communityAttendanceTable,
  communityEventsTable,
  communityFollowersTable,
  communityOverridesTable,
  communityRsvpsTable,
  communitySignupsTable,
} from '../communities/schema.js';
import {
  deployFreezeAnnouncementsTable,
  deployFreezeSweepsTable,
  deployFreezesTable,
  deployLocksTable,
  deployLockWatchersTable,
  deploysTable,
} from '../deploys/schema.js';
import { requestsTable } from '../requests/schema.js';
import {
  supportAnswersTable,
  supportEscalationsTable,
  supportMessagesTable,
  supportTicketsTable,
} from '../support/schema.js';
import {
  surveyCommentSetsTable,
  surveyIdentifiedAnswersTable,
  surveyInvitationsTable,
  surveyMicroAsksTable,
  surveyMicroTalliesTable,
  surveyOptOutsTable,
  surveyPutOffStartsTable,
  surveyTalliesTable,
  surveyWavesTable,
} from '../surveys/schema.js';
import { pgTwin } from './pg-tables.js';
import {
  auditLogTable,
  eventInboxTable,
  healthProbeTable,
  jobRunsTable,
  leasesTable,
  processedEventsTable,
} from './schema.js';

/**
 * The PostgreSQL twin of every table, for drizzle-kit (drizzle.pg.config.ts → migrations/pg). The tables themselves
 * are declared once, in src/db/schema.ts and src/<capability>/schema.ts; test/db/pg-tables.test.ts fails when a
 * declared table is missing here. Typed as what they are at run time (twin() types them as the declaration).
 */
const pg = (table: object) => pgTwin(table) as unknown as PgTable;

export const auditLog = pg(auditLogTable);
export const jobRuns = pg(jobRunsTable);
export const eventInbox = pg(eventInboxTable);
export const processedEvents = pg(processedEventsTable);
export const healthProbe = pg(healthProbeTable);
export const leases = pg(leasesTable);
export const approvals = pg(approvalsTable);
export const approvalDecisions = pg(approvalDecisionsTable);
export const approvalMessages = pg(approvalMessagesTable);
export const requests = pg(requestsTable);
export const deploys = pg(deploysTable);
export const deployLocks = pg(deployLocksTable);
export const deployLockWatchers = pg(deployLockWatchersTable);
export const deployFreezes = pg(deployFreezesTable);
export const deployFreezeAnnouncements = pg(deployFreezeAnnouncementsTable);
export const deployFreezeSweeps = pg(deployFreezeSweepsTable);
export const communityOverrides = pg(communityOverridesTable);
export const communityRsvps = pg(communityRsvpsTable);
export const communityAgendaItems = pg(communityAgendaItemsTable);
export const communitySignups = pg(communitySignupsTable);
export const communityAnnouncements = pg(communityAnnouncementsTable);
export const communityFollowers = pg(communityFollowersTable);
export const communityEvents = pg(communityEventsTable);
export const communityAttendance = pg(communityAttendanceTable);
export const surveyWaves = pg(surveyWavesTable);
export const surveyInvitations = pg(surveyInvitationsTable);
export const surveyTallies = pg(surveyTalliesTable);
export const surveyCommentSets = pg(surveyCommentSetsTable);
export const surveyIdentifiedAnswers = pg(surveyIdentifiedAnswersTable);
export const surveyOptOuts = pg(surveyOptOutsTable);
export const surveyMicroAsks = pg(surveyMicroAsksTable);
export const surveyMicroTallies = pg(surveyMicroTalliesTable);
export const surveyPutOffStarts = pg(surveyPutOffStartsTable);
export const supportTickets = pg(supportTicketsTable);
export const supportMessages = pg(supportMessagesTable);
export const supportEscalations = pg(supportEscalationsTable);
export const supportAnswers = pg(supportAnswersTable);
