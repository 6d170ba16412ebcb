CREATE TABLE "consent_changes" (
	"id" serial PRIMARY KEY NOT NULL,
	"customer_id" text NOT NULL,
	"channel" text NOT NULL,
	"granted" boolean NOT NULL,
	"source" text NOT NULL,
	"actor" text NOT NULL,
	"consented_at" timestamp with time zone NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	"applied" boolean NOT NULL,
	"note" text
);
--> statement-breakpoint
CREATE TABLE "pending_signals" (
	"id" serial PRIMARY KEY NOT NULL,
	"workflow_id" text NOT NULL,
	"payload" jsonb NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
DROP INDEX "events_unrouted_idx";--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "routing_attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "next_routing_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "routing_error" text;--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "dead_lettered_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "consent_changes" ADD CONSTRAINT "consent_changes_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "consent_changes_customer_idx" ON "consent_changes" USING btree ("customer_id","channel","recorded_at");--> statement-breakpoint
CREATE INDEX "pending_signals_due_idx" ON "pending_signals" USING btree ("next_attempt_at");--> statement-breakpoint
CREATE INDEX "events_customer_received_idx" ON "events" USING btree ("customer_id","received_at");--> statement-breakpoint
-- Older versions wrote a run's row from the API too: keep the newest running row per workflow id.
DELETE FROM "journey_runs" r USING "journey_runs" newer WHERE r."status" = 'running' AND newer."status" = 'running' AND newer."workflow_id" = r."workflow_id" AND (newer."started_at", newer."run_id") > (r."started_at", r."run_id");--> statement-breakpoint
CREATE UNIQUE INDEX "journey_runs_one_running_idx" ON "journey_runs" USING btree ("workflow_id") WHERE "journey_runs"."status" = 'running';--> statement-breakpoint
CREATE INDEX "events_unrouted_idx" ON "events" USING btree ("received_at") WHERE "events"."routed_at" is null and "events"."dead_lettered_at" is null;--> statement-breakpoint
ALTER TABLE "journey_runs" DROP COLUMN "current_step";