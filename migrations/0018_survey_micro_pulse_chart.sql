CREATE TABLE `survey_micro_asks` (
	`survey_id` text NOT NULL,
	`user_id` text NOT NULL,
	`asked_at` integer NOT NULL,
	`period` text NOT NULL,
	`pending` integer NOT NULL,
	PRIMARY KEY(`survey_id`, `user_id`)
);
--> statement-breakpoint
CREATE TABLE `survey_micro_tallies` (
	`survey_id` text NOT NULL,
	`period` text NOT NULL,
	`score` integer NOT NULL,
	`count` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`survey_id`, `period`, `score`)
);
--> statement-breakpoint
ALTER TABLE `survey_waves` ADD `chart_file_id` text;