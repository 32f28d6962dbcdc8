-- +goose Up
-- modify "team_memberships" table
ALTER TABLE "team_memberships" ADD COLUMN "round_robin_turn" bigint NOT NULL DEFAULT 0;
-- modify "teams" table
ALTER TABLE "teams" ADD COLUMN "waiting_counts_as_active" boolean NOT NULL DEFAULT true, ADD COLUMN "requeue_when_offline" boolean NOT NULL DEFAULT false, ADD COLUMN "escalation_raises_priority" boolean NOT NULL DEFAULT false;
-- modify "tickets" table
ALTER TABLE "tickets" ADD COLUMN "first_assigned_at" timestamptz NULL, ADD COLUMN "first_assignment_seconds" bigint NULL, ADD COLUMN "first_response_seconds" bigint NULL, ADD COLUMN "resolution_seconds" bigint NULL, ADD COLUMN "follow_up_of_id" character varying NULL, ADD CONSTRAINT "tickets_tickets_follow_up_of" FOREIGN KEY ("follow_up_of_id") REFERENCES "tickets" ("id") ON UPDATE NO ACTION ON DELETE SET NULL;

-- +goose Down
-- reverse: modify "tickets" table
ALTER TABLE "tickets" DROP CONSTRAINT "tickets_tickets_follow_up_of", DROP COLUMN "follow_up_of_id", DROP COLUMN "resolution_seconds", DROP COLUMN "first_response_seconds", DROP COLUMN "first_assignment_seconds", DROP COLUMN "first_assigned_at";
-- reverse: modify "teams" table
ALTER TABLE "teams" DROP COLUMN "escalation_raises_priority", DROP COLUMN "requeue_when_offline", DROP COLUMN "waiting_counts_as_active";
-- reverse: modify "team_memberships" table
ALTER TABLE "team_memberships" DROP COLUMN "round_robin_turn";
