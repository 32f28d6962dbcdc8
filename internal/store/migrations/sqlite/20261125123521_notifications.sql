-- +goose Up
-- create "notifications" table
CREATE TABLE `notifications` (`id` text NOT NULL, `kind` text NOT NULL, `sequence` integer NOT NULL, `created_at` datetime NOT NULL, `read_at` datetime NULL, `recipient_id` text NOT NULL, `ticket_id` text NOT NULL, `comment_id` text NULL, `actor_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `notifications_agents_recipient` FOREIGN KEY (`recipient_id`) REFERENCES `agents` (`id`) ON DELETE NO ACTION, CONSTRAINT `notifications_tickets_ticket` FOREIGN KEY (`ticket_id`) REFERENCES `tickets` (`id`) ON DELETE NO ACTION, CONSTRAINT `notifications_comments_comment` FOREIGN KEY (`comment_id`) REFERENCES `comments` (`id`) ON DELETE SET NULL, CONSTRAINT `notifications_agents_actor` FOREIGN KEY (`actor_id`) REFERENCES `agents` (`id`) ON DELETE SET NULL);
-- create index "notification_recipient_id_sequence" to table: "notifications"
CREATE INDEX `notification_recipient_id_sequence` ON `notifications` (`recipient_id`, `sequence`);
-- create index "notification_recipient_id_read_at" to table: "notifications"
CREATE INDEX `notification_recipient_id_read_at` ON `notifications` (`recipient_id`, `read_at`);

-- +goose Down
-- reverse: create index "notification_recipient_id_read_at" to table: "notifications"
DROP INDEX `notification_recipient_id_read_at`;
-- reverse: create index "notification_recipient_id_sequence" to table: "notifications"
DROP INDEX `notification_recipient_id_sequence`;
-- reverse: create "notifications" table
DROP TABLE `notifications`;
