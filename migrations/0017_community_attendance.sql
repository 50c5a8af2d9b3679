CREATE TABLE `community_attendance` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`occurrence_key` text NOT NULL,
	`user_id` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `community_attendance_person_idx` ON `community_attendance` (`occurrence_key`,`user_id`);