ALTER TABLE `job_runs` ADD `scheduled_for` integer;--> statement-breakpoint
ALTER TABLE `job_runs` ADD `replica` text;--> statement-breakpoint
CREATE UNIQUE INDEX `job_runs_job_scheduled_idx` ON `job_runs` (`job`,`scheduled_for`);