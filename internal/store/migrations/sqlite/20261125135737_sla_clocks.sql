-- +goose Up
-- add the SLA policy conditions and the ticket's SLA summary; columns are
-- added in place (a table rebuild would break foreign keys)
ALTER TABLE `sla_policies` ADD COLUMN `conditions` json NULL;
ALTER TABLE `sla_policies` ADD COLUMN `position` integer NOT NULL DEFAULT (0);
ALTER TABLE `tickets` ADD COLUMN `sla_state` text NOT NULL DEFAULT ('NONE');
ALTER TABLE `tickets` ADD COLUMN `next_due_at` datetime NULL;
ALTER TABLE `tickets` ADD COLUMN `sla_policy_explicit` bool NOT NULL DEFAULT (false);
-- create index "ticket_next_due_at" to table: "tickets"
CREATE INDEX `ticket_next_due_at` ON `tickets` (`next_due_at`);
-- create index "ticket_sla_state" to table: "tickets"
CREATE INDEX `ticket_sla_state` ON `tickets` (`sla_state`);
-- create "sla_clocks" table
CREATE TABLE `sla_clocks` (`id` text NOT NULL, `metric` text NOT NULL, `target_seconds` integer NOT NULL, `started_at` datetime NULL, `pauses` json NOT NULL, `paused_since` datetime NULL, `due_at` datetime NULL, `met_at` datetime NULL, `breached_at` datetime NULL, `stopped_at` datetime NULL, `fired_percent` integer NOT NULL DEFAULT (0), `version` integer NOT NULL DEFAULT (1), `ticket_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `sla_clocks_tickets_ticket` FOREIGN KEY (`ticket_id`) REFERENCES `tickets` (`id`) ON DELETE NO ACTION);
-- create index "slaclock_ticket_id_metric" to table: "sla_clocks"
CREATE UNIQUE INDEX `slaclock_ticket_id_metric` ON `sla_clocks` (`ticket_id`, `metric`);

-- +goose Down
DROP INDEX `slaclock_ticket_id_metric`;
DROP TABLE `sla_clocks`;
DROP INDEX `ticket_sla_state`;
DROP INDEX `ticket_next_due_at`;
ALTER TABLE `tickets` DROP COLUMN `sla_policy_explicit`;
ALTER TABLE `tickets` DROP COLUMN `next_due_at`;
ALTER TABLE `tickets` DROP COLUMN `sla_state`;
ALTER TABLE `sla_policies` DROP COLUMN `position`;
ALTER TABLE `sla_policies` DROP COLUMN `conditions`;
