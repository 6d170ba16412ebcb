-- Events become a table partitioned by kind (inert, routed, held) and, for inert and routed, by
-- month of received_at, so retention drops a month instead of deleting rows (retention/). Every
-- existing row is kept, as `routed`: the longer retention, since which types were inert is a fact
-- of the journeys, not of the database.
ALTER TABLE "events" RENAME TO "events_before_partitioning";--> statement-breakpoint
DROP INDEX "events_customer_type_idx", "events_customer_received_idx", "events_unrouted_seq_idx", "events_customer_unrouted_idx", "events_dead_lettered_idx", "events_received_brin_idx";--> statement-breakpoint
CREATE TABLE "events_partitioned" (
	"id" text NOT NULL,
	"kind" text DEFAULT 'routed' NOT NULL,
	"customer_id" text NOT NULL,
	"type" text NOT NULL,
	"properties" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"seq" bigint NOT NULL GENERATED ALWAYS AS IDENTITY (sequence name "events_seq_seq_partitioned" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"routed_at" timestamp with time zone,
	"routed_to" jsonb,
	"routing_attempts" integer DEFAULT 0 NOT NULL,
	"next_routing_at" timestamp with time zone,
	"routing_error" text,
	"dead_lettered_at" timestamp with time zone
) PARTITION BY LIST ("kind");--> statement-breakpoint
CREATE TABLE "events_inert" PARTITION OF "events_partitioned" FOR VALUES IN ('inert') PARTITION BY RANGE ("received_at");--> statement-breakpoint
CREATE TABLE "events_routed" PARTITION OF "events_partitioned" FOR VALUES IN ('routed') PARTITION BY RANGE ("received_at");--> statement-breakpoint
-- Rows past their month's retention that a running run still needs (or never routed): few, not by month.
CREATE TABLE "events_held" PARTITION OF "events_partitioned" FOR VALUES IN ('held');--> statement-breakpoint
CREATE UNIQUE INDEX "events_held_id_idx" ON "events_held" ("id");--> statement-breakpoint
-- The one place a month of events is created: the migration for the months already stored, the
-- retention job ahead of time. A partitioned table's unique keys must hold its partition keys, so
-- each month has its own unique index on id (ingest looks across months before it stores an id).
CREATE FUNCTION "cascade_event_partition"(p_kind text, p_at timestamptz) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	lo timestamptz := date_trunc('month', p_at, 'UTC');
	hi timestamptz := (date_trunc('month', p_at, 'UTC') at time zone 'UTC' + interval '1 month') at time zone 'UTC';
	leaf text := format('events_%s_%s', p_kind, to_char(lo at time zone 'UTC', 'YYYY_MM'));
BEGIN
	IF p_kind NOT IN ('inert', 'routed') THEN
		RAISE EXCEPTION 'events of kind % are not kept by month', p_kind;
	END IF;
	-- Two processes creating the same month: the second finds it made.
	PERFORM pg_advisory_xact_lock(hashtext('cascade_event_partition'));
	IF to_regclass(leaf) IS NULL THEN
		EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', leaf, 'events_' || p_kind, lo, hi);
		EXECUTE format('CREATE UNIQUE INDEX %I ON %I ("id")', leaf || '_id_idx', leaf);
	END IF;
	RETURN leaf;
END $$;--> statement-breakpoint
DO $$
DECLARE
	m timestamptz;
BEGIN
	-- Every month stored, and at least the last one: rows written with an earlier received_at have a home.
	FOR m IN SELECT generate_series(date_trunc('month', least(min("received_at"), now() - interval '1 month'), 'UTC'), now() + interval '2 months', interval '1 month') FROM "events_before_partitioning" LOOP
		PERFORM "cascade_event_partition"('routed', m);
	END LOOP;
	FOR m IN SELECT generate_series(date_trunc('month', now() - interval '1 month', 'UTC'), now() + interval '2 months', interval '1 month') LOOP
		PERFORM "cascade_event_partition"('inert', m);
	END LOOP;
END $$;--> statement-breakpoint
INSERT INTO "events_partitioned" ("id", "kind", "customer_id", "type", "properties", "occurred_at", "received_at", "seq", "routed_at", "routed_to", "routing_attempts", "next_routing_at", "routing_error", "dead_lettered_at")
OVERRIDING SYSTEM VALUE
SELECT "id", 'routed', "customer_id", "type", "properties", "occurred_at", "received_at", "seq", "routed_at", "routed_to", "routing_attempts", "next_routing_at", "routing_error", "dead_lettered_at"
FROM "events_before_partitioning";--> statement-breakpoint
DROP TABLE "events_before_partitioning";--> statement-breakpoint
ALTER TABLE "events_partitioned" RENAME TO "events";--> statement-breakpoint
ALTER SEQUENCE "events_seq_seq_partitioned" RENAME TO "events_seq_seq";--> statement-breakpoint
SELECT setval('"events_seq_seq"', coalesce((SELECT max("seq") FROM "events"), 0) + 1, false);--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "events_customer_type_idx" ON "events" USING btree ("customer_id","type","occurred_at");--> statement-breakpoint
CREATE INDEX "events_customer_received_idx" ON "events" USING btree ("customer_id","received_at");--> statement-breakpoint
CREATE INDEX "events_unrouted_seq_idx" ON "events" USING btree ("seq") WHERE "events"."routed_at" is null and "events"."dead_lettered_at" is null;--> statement-breakpoint
CREATE INDEX "events_customer_unrouted_idx" ON "events" USING btree ("customer_id","seq") WHERE "events"."routed_at" is null and "events"."dead_lettered_at" is null;--> statement-breakpoint
CREATE INDEX "events_dead_lettered_idx" ON "events" USING btree ("dead_lettered_at") WHERE "events"."dead_lettered_at" is not null;--> statement-breakpoint
CREATE INDEX "events_received_brin_idx" ON "events" USING brin ("received_at");
