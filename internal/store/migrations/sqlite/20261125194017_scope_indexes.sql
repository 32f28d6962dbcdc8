-- +goose Up
-- create index "ticket_team_id_status_unassigned" to table: "tickets"
CREATE INDEX `ticket_team_id_status_unassigned` ON `tickets` (`team_id`, `status`) WHERE assignee_id IS NULL;
-- drop index "comment_mentions_by_agent_id" from table: "comment_mentions"
DROP INDEX `comment_mentions_by_agent_id`;
-- create index "comment_mentions_by_agent_id" to table: "comment_mentions"
CREATE INDEX `comment_mentions_by_agent_id` ON `comment_mentions` (`agent_id`, `comment_id`);
-- drop index "ticket_tags_by_tag_id" from table: "ticket_tags"
DROP INDEX `ticket_tags_by_tag_id`;
-- create index "ticket_tags_by_tag_id" to table: "ticket_tags"
CREATE INDEX `ticket_tags_by_tag_id` ON `ticket_tags` (`tag_id`, `ticket_id`);
-- drop index "ticket_watchers_by_agent_id" from table: "ticket_watchers"
DROP INDEX `ticket_watchers_by_agent_id`;
-- create index "ticket_watchers_by_agent_id" to table: "ticket_watchers"
CREATE INDEX `ticket_watchers_by_agent_id` ON `ticket_watchers` (`agent_id`, `ticket_id`);

-- +goose Down
-- reverse: create index "ticket_watchers_by_agent_id" to table: "ticket_watchers"
DROP INDEX `ticket_watchers_by_agent_id`;
CREATE INDEX `ticket_watchers_by_agent_id` ON `ticket_watchers` (`agent_id`);
-- reverse: create index "ticket_tags_by_tag_id" to table: "ticket_tags"
DROP INDEX `ticket_tags_by_tag_id`;
CREATE INDEX `ticket_tags_by_tag_id` ON `ticket_tags` (`tag_id`);
-- reverse: create index "comment_mentions_by_agent_id" to table: "comment_mentions"
DROP INDEX `comment_mentions_by_agent_id`;
CREATE INDEX `comment_mentions_by_agent_id` ON `comment_mentions` (`agent_id`);
-- reverse: create index "ticket_team_id_status_unassigned" to table: "tickets"
DROP INDEX `ticket_team_id_status_unassigned`;
