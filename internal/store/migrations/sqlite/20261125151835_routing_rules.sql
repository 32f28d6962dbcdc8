-- +goose Up
-- create "routing_rules" table
CREATE TABLE `routing_rules` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `position` integer NOT NULL, `active` bool NOT NULL DEFAULT (true), `channels` json NOT NULL, `customer_id` text NULL, `organization` text NULL, `category_id` text NULL, `tags` json NOT NULL, `title_words` json NOT NULL, `team_id` text NULL, `priority` text NULL, `add_tags` json NOT NULL, PRIMARY KEY (`id`));
-- create index "routingrule_position" to table: "routing_rules"
CREATE INDEX `routingrule_position` ON `routing_rules` (`position`);

-- +goose Down
-- reverse: create index "routingrule_position" to table: "routing_rules"
DROP INDEX `routingrule_position`;
-- reverse: create "routing_rules" table
DROP TABLE `routing_rules`;
