ALTER TABLE "survey_waves" ADD COLUMN "follow_up_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "survey_waves" ADD COLUMN "results_problem" text;