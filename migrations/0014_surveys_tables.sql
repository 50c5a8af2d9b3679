CREATE TABLE `survey_comment_sets` (
	`wave_id` integer PRIMARY KEY NOT NULL,
	`comments` text NOT NULL,
	FOREIGN KEY (`wave_id`) REFERENCES `survey_waves`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `survey_identified_answers` (
	`wave_id` integer NOT NULL,
	`user_id` text NOT NULL,
	`score` integer NOT NULL,
	`area` text,
	`comment` text,
	`contact` integer DEFAULT false NOT NULL,
	PRIMARY KEY(`wave_id`, `user_id`),
	FOREIGN KEY (`wave_id`) REFERENCES `survey_waves`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `survey_invitations` (
	`wave_id` integer NOT NULL,
	`user_id` text NOT NULL,
	`delivery` text DEFAULT 'pending' NOT NULL,
	`dm_channel` text,
	`dm_ts` text,
	`reminded` integer DEFAULT 0 NOT NULL,
	`answered` integer DEFAULT false NOT NULL,
	PRIMARY KEY(`wave_id`, `user_id`),
	FOREIGN KEY (`wave_id`) REFERENCES `survey_waves`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `survey_opt_outs` (
	`user_id` text PRIMARY KEY NOT NULL
);
--> statement-breakpoint
CREATE TABLE `survey_tallies` (
	`wave_id` integer NOT NULL,
	`area` text NOT NULL,
	`score` integer NOT NULL,
	`count` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`wave_id`, `area`, `score`),
	FOREIGN KEY (`wave_id`) REFERENCES `survey_waves`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `survey_waves` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`survey_id` text NOT NULL,
	`number` integer NOT NULL,
	`anonymous` integer NOT NULL,
	`min_group_size` integer NOT NULL,
	`areas` text NOT NULL,
	`opens_at` integer NOT NULL,
	`closes_at` integer NOT NULL,
	`closed_at` integer,
	`invited` integer DEFAULT 0 NOT NULL,
	`reminders_sent` integer DEFAULT 0 NOT NULL,
	`follow_up` text,
	`results_channel` text,
	`results_ts` text,
	`nonce` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `survey_waves_number_idx` ON `survey_waves` (`survey_id`,`number`);--> statement-breakpoint
CREATE INDEX `survey_waves_open_idx` ON `survey_waves` (`closed_at`);