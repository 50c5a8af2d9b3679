ALTER TABLE `survey_waves` ADD `follow_up_at` integer;--> statement-breakpoint
ALTER TABLE `survey_waves` ADD `results_problem` text;