CREATE TABLE "retention_marks" (
	"sweep" text PRIMARY KEY NOT NULL,
	"through" timestamp with time zone NOT NULL
);
