CREATE TABLE `survey_put_off_starts` (
	`survey_id` text NOT NULL,
	`slot` integer NOT NULL,
	PRIMARY KEY(`survey_id`, `slot`)
);
--> statement-breakpoint
-- A database the old race left with two open waves of one survey: the older ones are closed (at their own opening),
-- so the one-open-wave index below can be built. Their answers are kept; the sweep posts their results.
UPDATE `survey_waves` SET `closed_at` = `opens_at` WHERE `closed_at` IS NULL AND `id` NOT IN (SELECT max(`id`) FROM `survey_waves` WHERE `closed_at` IS NULL GROUP BY `survey_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `survey_waves_one_open_idx` ON `survey_waves` (`survey_id`) WHERE closed_at is null;