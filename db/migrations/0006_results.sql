ALTER TABLE "campaigns" ADD COLUMN "holdout_percent" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "journey_runs" ADD COLUMN "holdout" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "journey_runs" ADD COLUMN "variants" jsonb;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "variants" jsonb;