-- +goose Up
-- create "agents" table
CREATE TABLE `agents` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `email` text NOT NULL, `password_hash` text NOT NULL, `role` text NOT NULL DEFAULT ('AGENT'), `availability` text NOT NULL DEFAULT ('OFFLINE'), `capacity` integer NOT NULL DEFAULT (10), `timezone` text NOT NULL DEFAULT ('UTC'), `active` bool NOT NULL DEFAULT (true), PRIMARY KEY (`id`));
-- create index "agents_email_key" to table: "agents"
CREATE UNIQUE INDEX `agents_email_key` ON `agents` (`email`);
-- create index "agent_role" to table: "agents"
CREATE INDEX `agent_role` ON `agents` (`role`);
-- create "business_calendars" table
CREATE TABLE `business_calendars` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `timezone` text NOT NULL, `weekly_hours` json NOT NULL, `holidays` json NOT NULL, PRIMARY KEY (`id`));
-- create index "business_calendars_name_key" to table: "business_calendars"
CREATE UNIQUE INDEX `business_calendars_name_key` ON `business_calendars` (`name`);
-- create "categories" table
CREATE TABLE `categories` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `description` text NOT NULL DEFAULT (''), `level` integer NOT NULL, `default_priority` text NULL, `parent_id` text NULL, `category_default_team` text NULL, `category_sla_policy` text NULL, PRIMARY KEY (`id`), CONSTRAINT `categories_categories_children` FOREIGN KEY (`parent_id`) REFERENCES `categories` (`id`) ON DELETE SET NULL, CONSTRAINT `categories_teams_default_team` FOREIGN KEY (`category_default_team`) REFERENCES `teams` (`id`) ON DELETE SET NULL, CONSTRAINT `categories_sla_policies_sla_policy` FOREIGN KEY (`category_sla_policy`) REFERENCES `sla_policies` (`id`) ON DELETE SET NULL);
-- create index "category_parent_id_name" to table: "categories"
CREATE UNIQUE INDEX `category_parent_id_name` ON `categories` (`parent_id`, `name`);
-- create "comments" table
CREATE TABLE `comments` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `body` text NOT NULL, `visibility` text NOT NULL DEFAULT ('PUBLIC'), `ticket_id` text NOT NULL, `author_agent_id` text NULL, `author_customer_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `comments_tickets_ticket` FOREIGN KEY (`ticket_id`) REFERENCES `tickets` (`id`) ON DELETE NO ACTION, CONSTRAINT `comments_agents_author_agent` FOREIGN KEY (`author_agent_id`) REFERENCES `agents` (`id`) ON DELETE SET NULL, CONSTRAINT `comments_customers_author_customer` FOREIGN KEY (`author_customer_id`) REFERENCES `customers` (`id`) ON DELETE SET NULL);
-- create index "comment_ticket_id_created_at" to table: "comments"
CREATE INDEX `comment_ticket_id_created_at` ON `comments` (`ticket_id`, `created_at`);
-- create "counters" table
CREATE TABLE `counters` (`id` text NOT NULL, `value` integer NOT NULL DEFAULT (0), PRIMARY KEY (`id`));
-- create "customers" table
CREATE TABLE `customers` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `email` text NULL, `emails` json NOT NULL, `phone` text NULL, `organization` text NULL, `external_ids` json NOT NULL, `custom_fields` json NOT NULL, `notes` text NOT NULL DEFAULT (''), PRIMARY KEY (`id`));
-- create index "customers_email_key" to table: "customers"
CREATE UNIQUE INDEX `customers_email_key` ON `customers` (`email`);
-- create index "customer_name" to table: "customers"
CREATE INDEX `customer_name` ON `customers` (`name`);
-- create index "customer_organization" to table: "customers"
CREATE INDEX `customer_organization` ON `customers` (`organization`);
-- create "sla_policies" table
CREATE TABLE `sla_policies` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `description` text NOT NULL DEFAULT (''), `active` bool NOT NULL DEFAULT (true), `is_default` bool NOT NULL DEFAULT (false), `targets` json NOT NULL, `reminder_percents` json NOT NULL, `breach_actions` json NOT NULL, `sla_policy_calendar` text NULL, PRIMARY KEY (`id`), CONSTRAINT `sla_policies_business_calendars_calendar` FOREIGN KEY (`sla_policy_calendar`) REFERENCES `business_calendars` (`id`) ON DELETE SET NULL);
-- create index "sla_policies_name_key" to table: "sla_policies"
CREATE UNIQUE INDEX `sla_policies_name_key` ON `sla_policies` (`name`);
-- create "settings" table
CREATE TABLE `settings` (`id` text NOT NULL, `value` text NOT NULL, PRIMARY KEY (`id`));
-- create "tags" table
CREATE TABLE `tags` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, PRIMARY KEY (`id`));
-- create index "tags_name_key" to table: "tags"
CREATE UNIQUE INDEX `tags_name_key` ON `tags` (`name`);
-- create "teams" table
CREATE TABLE `teams` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `description` text NOT NULL DEFAULT (''), `is_default` bool NOT NULL DEFAULT (false), `assignment_strategy` text NOT NULL DEFAULT ('PRIORITY'), `team_calendar` text NULL, `team_escalation_team` text NULL, PRIMARY KEY (`id`), CONSTRAINT `teams_business_calendars_calendar` FOREIGN KEY (`team_calendar`) REFERENCES `business_calendars` (`id`) ON DELETE SET NULL, CONSTRAINT `teams_teams_escalation_team` FOREIGN KEY (`team_escalation_team`) REFERENCES `teams` (`id`) ON DELETE SET NULL);
-- create index "teams_name_key" to table: "teams"
CREATE UNIQUE INDEX `teams_name_key` ON `teams` (`name`);
-- create index "teams_team_escalation_team_key" to table: "teams"
CREATE UNIQUE INDEX `teams_team_escalation_team_key` ON `teams` (`team_escalation_team`);
-- create "team_memberships" table
CREATE TABLE `team_memberships` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `priority` integer NOT NULL, `agent_id` text NOT NULL, `team_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `team_memberships_agents_memberships` FOREIGN KEY (`agent_id`) REFERENCES `agents` (`id`) ON DELETE NO ACTION, CONSTRAINT `team_memberships_teams_memberships` FOREIGN KEY (`team_id`) REFERENCES `teams` (`id`) ON DELETE NO ACTION);
-- create index "teammembership_team_id_agent_id" to table: "team_memberships"
CREATE UNIQUE INDEX `teammembership_team_id_agent_id` ON `team_memberships` (`team_id`, `agent_id`);
-- create index "teammembership_agent_id" to table: "team_memberships"
CREATE INDEX `teammembership_agent_id` ON `team_memberships` (`agent_id`);
-- create "tickets" table
CREATE TABLE `tickets` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `number` integer NOT NULL, `title` text NOT NULL, `description` text NOT NULL DEFAULT (''), `status` text NOT NULL DEFAULT ('UNASSIGNED'), `priority` text NOT NULL DEFAULT ('MEDIUM'), `priority_rank` integer NOT NULL, `channel` text NOT NULL, `internal` bool NOT NULL DEFAULT (false), `version` integer NOT NULL DEFAULT (1), `order_reference` text NULL, `custom_fields` json NOT NULL, `first_response_due_at` datetime NULL, `resolution_due_at` datetime NULL, `status_changed_at` datetime NULL, `first_responded_at` datetime NULL, `resolved_at` datetime NULL, `closed_at` datetime NULL, `working_seconds` integer NOT NULL DEFAULT (0), `waiting_seconds` integer NOT NULL DEFAULT (0), `customer_id` text NULL, `category_id` text NULL, `team_id` text NULL, `assignee_id` text NULL, `sla_policy_id` text NULL, `created_by_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `tickets_customers_customer` FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`) ON DELETE SET NULL, CONSTRAINT `tickets_categories_category` FOREIGN KEY (`category_id`) REFERENCES `categories` (`id`) ON DELETE SET NULL, CONSTRAINT `tickets_teams_team` FOREIGN KEY (`team_id`) REFERENCES `teams` (`id`) ON DELETE SET NULL, CONSTRAINT `tickets_agents_assignee` FOREIGN KEY (`assignee_id`) REFERENCES `agents` (`id`) ON DELETE SET NULL, CONSTRAINT `tickets_sla_policies_sla_policy` FOREIGN KEY (`sla_policy_id`) REFERENCES `sla_policies` (`id`) ON DELETE SET NULL, CONSTRAINT `tickets_agents_created_by` FOREIGN KEY (`created_by_id`) REFERENCES `agents` (`id`) ON DELETE SET NULL);
-- create index "tickets_number_key" to table: "tickets"
CREATE UNIQUE INDEX `tickets_number_key` ON `tickets` (`number`);
-- create index "ticket_status_priority_rank_created_at" to table: "tickets"
CREATE INDEX `ticket_status_priority_rank_created_at` ON `tickets` (`status`, `priority_rank`, `created_at`);
-- create index "ticket_team_id_status" to table: "tickets"
CREATE INDEX `ticket_team_id_status` ON `tickets` (`team_id`, `status`);
-- create index "ticket_assignee_id_status" to table: "tickets"
CREATE INDEX `ticket_assignee_id_status` ON `tickets` (`assignee_id`, `status`);
-- create index "ticket_customer_id" to table: "tickets"
CREATE INDEX `ticket_customer_id` ON `tickets` (`customer_id`);
-- create index "ticket_category_id" to table: "tickets"
CREATE INDEX `ticket_category_id` ON `tickets` (`category_id`);
-- create index "ticket_created_at" to table: "tickets"
CREATE INDEX `ticket_created_at` ON `tickets` (`created_at`);
-- create index "ticket_updated_at" to table: "tickets"
CREATE INDEX `ticket_updated_at` ON `tickets` (`updated_at`);
-- create "ticket_events" table
CREATE TABLE `ticket_events` (`id` text NOT NULL, `sequence` integer NOT NULL, `kind` text NOT NULL, `changes` json NOT NULL, `created_at` datetime NOT NULL, `ticket_id` text NOT NULL, `actor_id` text NULL, `comment_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `ticket_events_tickets_ticket` FOREIGN KEY (`ticket_id`) REFERENCES `tickets` (`id`) ON DELETE NO ACTION, CONSTRAINT `ticket_events_agents_actor` FOREIGN KEY (`actor_id`) REFERENCES `agents` (`id`) ON DELETE SET NULL, CONSTRAINT `ticket_events_comments_comment` FOREIGN KEY (`comment_id`) REFERENCES `comments` (`id`) ON DELETE SET NULL);
-- create index "ticket_events_sequence_key" to table: "ticket_events"
CREATE UNIQUE INDEX `ticket_events_sequence_key` ON `ticket_events` (`sequence`);
-- create index "ticketevent_ticket_id_sequence" to table: "ticket_events"
CREATE INDEX `ticketevent_ticket_id_sequence` ON `ticket_events` (`ticket_id`, `sequence`);
-- create "comment_mentions" table
CREATE TABLE `comment_mentions` (`comment_id` text NOT NULL, `agent_id` text NOT NULL, PRIMARY KEY (`comment_id`, `agent_id`), CONSTRAINT `comment_mentions_comment_id` FOREIGN KEY (`comment_id`) REFERENCES `comments` (`id`) ON DELETE CASCADE, CONSTRAINT `comment_mentions_agent_id` FOREIGN KEY (`agent_id`) REFERENCES `agents` (`id`) ON DELETE CASCADE);
-- create "ticket_tags" table
CREATE TABLE `ticket_tags` (`ticket_id` text NOT NULL, `tag_id` text NOT NULL, PRIMARY KEY (`ticket_id`, `tag_id`), CONSTRAINT `ticket_tags_ticket_id` FOREIGN KEY (`ticket_id`) REFERENCES `tickets` (`id`) ON DELETE CASCADE, CONSTRAINT `ticket_tags_tag_id` FOREIGN KEY (`tag_id`) REFERENCES `tags` (`id`) ON DELETE CASCADE);
-- create "ticket_watchers" table
CREATE TABLE `ticket_watchers` (`ticket_id` text NOT NULL, `agent_id` text NOT NULL, PRIMARY KEY (`ticket_id`, `agent_id`), CONSTRAINT `ticket_watchers_ticket_id` FOREIGN KEY (`ticket_id`) REFERENCES `tickets` (`id`) ON DELETE CASCADE, CONSTRAINT `ticket_watchers_agent_id` FOREIGN KEY (`agent_id`) REFERENCES `agents` (`id`) ON DELETE CASCADE);

-- +goose Down
-- reverse: create "ticket_watchers" table
DROP TABLE `ticket_watchers`;
-- reverse: create "ticket_tags" table
DROP TABLE `ticket_tags`;
-- reverse: create "comment_mentions" table
DROP TABLE `comment_mentions`;
-- reverse: create index "ticketevent_ticket_id_sequence" to table: "ticket_events"
DROP INDEX `ticketevent_ticket_id_sequence`;
-- reverse: create index "ticket_events_sequence_key" to table: "ticket_events"
DROP INDEX `ticket_events_sequence_key`;
-- reverse: create "ticket_events" table
DROP TABLE `ticket_events`;
-- reverse: create index "ticket_updated_at" to table: "tickets"
DROP INDEX `ticket_updated_at`;
-- reverse: create index "ticket_created_at" to table: "tickets"
DROP INDEX `ticket_created_at`;
-- reverse: create index "ticket_category_id" to table: "tickets"
DROP INDEX `ticket_category_id`;
-- reverse: create index "ticket_customer_id" to table: "tickets"
DROP INDEX `ticket_customer_id`;
-- reverse: create index "ticket_assignee_id_status" to table: "tickets"
DROP INDEX `ticket_assignee_id_status`;
-- reverse: create index "ticket_team_id_status" to table: "tickets"
DROP INDEX `ticket_team_id_status`;
-- reverse: create index "ticket_status_priority_rank_created_at" to table: "tickets"
DROP INDEX `ticket_status_priority_rank_created_at`;
-- reverse: create index "tickets_number_key" to table: "tickets"
DROP INDEX `tickets_number_key`;
-- reverse: create "tickets" table
DROP TABLE `tickets`;
-- reverse: create index "teammembership_agent_id" to table: "team_memberships"
DROP INDEX `teammembership_agent_id`;
-- reverse: create index "teammembership_team_id_agent_id" to table: "team_memberships"
DROP INDEX `teammembership_team_id_agent_id`;
-- reverse: create "team_memberships" table
DROP TABLE `team_memberships`;
-- reverse: create index "teams_team_escalation_team_key" to table: "teams"
DROP INDEX `teams_team_escalation_team_key`;
-- reverse: create index "teams_name_key" to table: "teams"
DROP INDEX `teams_name_key`;
-- reverse: create "teams" table
DROP TABLE `teams`;
-- reverse: create index "tags_name_key" to table: "tags"
DROP INDEX `tags_name_key`;
-- reverse: create "tags" table
DROP TABLE `tags`;
-- reverse: create "settings" table
DROP TABLE `settings`;
-- reverse: create index "sla_policies_name_key" to table: "sla_policies"
DROP INDEX `sla_policies_name_key`;
-- reverse: create "sla_policies" table
DROP TABLE `sla_policies`;
-- reverse: create index "customer_organization" to table: "customers"
DROP INDEX `customer_organization`;
-- reverse: create index "customer_name" to table: "customers"
DROP INDEX `customer_name`;
-- reverse: create index "customers_email_key" to table: "customers"
DROP INDEX `customers_email_key`;
-- reverse: create "customers" table
DROP TABLE `customers`;
-- reverse: create "counters" table
DROP TABLE `counters`;
-- reverse: create index "comment_ticket_id_created_at" to table: "comments"
DROP INDEX `comment_ticket_id_created_at`;
-- reverse: create "comments" table
DROP TABLE `comments`;
-- reverse: create index "category_parent_id_name" to table: "categories"
DROP INDEX `category_parent_id_name`;
-- reverse: create "categories" table
DROP TABLE `categories`;
-- reverse: create index "business_calendars_name_key" to table: "business_calendars"
DROP INDEX `business_calendars_name_key`;
-- reverse: create "business_calendars" table
DROP TABLE `business_calendars`;
-- reverse: create index "agent_role" to table: "agents"
DROP INDEX `agent_role`;
-- reverse: create index "agents_email_key" to table: "agents"
DROP INDEX `agents_email_key`;
-- reverse: create "agents" table
DROP TABLE `agents`;
