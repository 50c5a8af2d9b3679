ALTER TABLE `deploys` ADD `request_key` text;--> statement-breakpoint
ALTER TABLE `deploys` ADD `dispatch_started_at` integer;--> statement-breakpoint
CREATE UNIQUE INDEX `deploys_request_key_idx` ON `deploys` (`request_key`);--> statement-breakpoint
-- Databases from before this index may hold two deploys in flight for one target (the race it closes): the oldest
-- stays, the others are failed with a reason, so the index can be built.
UPDATE `deploys` SET `status` = 'failed', `detail` = 'another deploy of the same service and environment was already in flight (found when upgrading groundcrew)', `finished_at` = CAST(strftime('%s', 'now') AS INTEGER) * 1000, `updated_at` = CAST(strftime('%s', 'now') AS INTEGER) * 1000, `next_poll_at` = NULL
WHERE `status` IN ('requested', 'awaiting_approval', 'approved', 'starting', 'running')
  AND EXISTS (SELECT 1 FROM `deploys` AS `older` WHERE `older`.`service` = `deploys`.`service` AND `older`.`environment` = `deploys`.`environment` AND `older`.`id` < `deploys`.`id` AND `older`.`status` IN ('requested', 'awaiting_approval', 'approved', 'starting', 'running'));--> statement-breakpoint
CREATE UNIQUE INDEX `deploys_one_in_flight_idx` ON `deploys` (`service`,`environment`) WHERE status in ('requested', 'awaiting_approval', 'approved', 'starting', 'running');