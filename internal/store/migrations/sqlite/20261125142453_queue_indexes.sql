-- +goose Up
-- drop index "ticket_team_id_status" from table: "tickets"
DROP INDEX `ticket_team_id_status`;
-- create index "ticket_team_id_status_priority_rank_created_at" to table: "tickets"
CREATE INDEX `ticket_team_id_status_priority_rank_created_at` ON `tickets` (`team_id`, `status`, `priority_rank`, `created_at`);
-- create index "comment_mentions_by_agent_id" to table: "comment_mentions"
CREATE INDEX `comment_mentions_by_agent_id` ON `comment_mentions` (`agent_id`);
-- create index "ticket_tags_by_tag_id" to table: "ticket_tags"
CREATE INDEX `ticket_tags_by_tag_id` ON `ticket_tags` (`tag_id`);
-- create index "ticket_watchers_by_agent_id" to table: "ticket_watchers"
CREATE INDEX `ticket_watchers_by_agent_id` ON `ticket_watchers` (`agent_id`);

-- +goose Down
-- reverse: create index "ticket_watchers_by_agent_id" to table: "ticket_watchers"
DROP INDEX `ticket_watchers_by_agent_id`;
-- reverse: create index "ticket_tags_by_tag_id" to table: "ticket_tags"
DROP INDEX `ticket_tags_by_tag_id`;
-- reverse: create index "comment_mentions_by_agent_id" to table: "comment_mentions"
DROP INDEX `comment_mentions_by_agent_id`;
-- reverse: create index "ticket_team_id_status_priority_rank_created_at" to table: "tickets"
DROP INDEX `ticket_team_id_status_priority_rank_created_at`;
-- reverse: drop index "ticket_team_id_status" from table: "tickets"
CREATE INDEX `ticket_team_id_status` ON `tickets` (`team_id`, `status`);
