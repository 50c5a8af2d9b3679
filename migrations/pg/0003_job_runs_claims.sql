ALTER TABLE "job_runs" ADD COLUMN "scheduled_for" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "job_runs" ADD COLUMN "replica" text;--> statement-breakpoint
CREATE UNIQUE INDEX "job_runs_job_scheduled_idx" ON "job_runs" USING btree ("job","scheduled_for");