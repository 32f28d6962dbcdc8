-- +goose Up
-- add the workflow columns (ADD COLUMN rather than a copy of each table:
-- dropping a table inside the migration's transaction would run the ON
-- DELETE actions of every table that references it)
ALTER TABLE `teams` ADD COLUMN `waiting_counts_as_active` bool NOT NULL DEFAULT (true);
ALTER TABLE `teams` ADD COLUMN `requeue_when_offline` bool NOT NULL DEFAULT (false);
ALTER TABLE `teams` ADD COLUMN `escalation_raises_priority` bool NOT NULL DEFAULT (false);
ALTER TABLE `team_memberships` ADD COLUMN `round_robin_turn` integer NOT NULL DEFAULT (0);
ALTER TABLE `tickets` ADD COLUMN `first_assigned_at` datetime NULL;
ALTER TABLE `tickets` ADD COLUMN `first_assignment_seconds` integer NULL;
ALTER TABLE `tickets` ADD COLUMN `first_response_seconds` integer NULL;
ALTER TABLE `tickets` ADD COLUMN `resolution_seconds` integer NULL;
ALTER TABLE `tickets` ADD COLUMN `follow_up_of_id` text NULL CONSTRAINT `tickets_tickets_follow_up_of` REFERENCES `tickets` (`id`) ON DELETE SET NULL;

-- +goose Down
ALTER TABLE `tickets` DROP COLUMN `follow_up_of_id`;
ALTER TABLE `tickets` DROP COLUMN `resolution_seconds`;
ALTER TABLE `tickets` DROP COLUMN `first_response_seconds`;
ALTER TABLE `tickets` DROP COLUMN `first_assignment_seconds`;
ALTER TABLE `tickets` DROP COLUMN `first_assigned_at`;
ALTER TABLE `team_memberships` DROP COLUMN `round_robin_turn`;
ALTER TABLE `teams` DROP COLUMN `escalation_raises_priority`;
ALTER TABLE `teams` DROP COLUMN `requeue_when_offline`;
ALTER TABLE `teams` DROP COLUMN `waiting_counts_as_active`;
