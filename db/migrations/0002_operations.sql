CREATE TABLE "alerts" (
	"id" serial PRIMARY KEY NOT NULL,
	"cause" text NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"severity" text NOT NULL,
	"summary" text NOT NULL,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"raised_at" timestamp with time zone DEFAULT now() NOT NULL,
	"posted_at" timestamp with time zone,
	"post_error" text
);
--> statement-breakpoint
CREATE TABLE "api_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"digest" text NOT NULL,
	"scopes" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE UNIQUE INDEX "alerts_cause_window_idx" ON "alerts" USING btree ("cause","window_start");--> statement-breakpoint
CREATE INDEX "alerts_raised_idx" ON "alerts" USING btree ("raised_at");--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_digest_idx" ON "api_keys" USING btree ("digest");--> statement-breakpoint
CREATE INDEX "events_dead_lettered_idx" ON "events" USING btree ("dead_lettered_at") WHERE "events"."dead_lettered_at" is not null;--> statement-breakpoint
CREATE INDEX "journey_runs_ended_idx" ON "journey_runs" USING btree ("ended_at","status");--> statement-breakpoint
CREATE INDEX "messages_updated_idx" ON "messages" USING btree ("updated_at");