-- +goose Up
-- create "notifications" table
CREATE TABLE "notifications" ("id" character varying NOT NULL, "kind" character varying NOT NULL, "sequence" bigint NOT NULL, "created_at" timestamptz NOT NULL, "read_at" timestamptz NULL, "recipient_id" character varying NOT NULL, "ticket_id" character varying NOT NULL, "comment_id" character varying NULL, "actor_id" character varying NULL, PRIMARY KEY ("id"), CONSTRAINT "notifications_agents_actor" FOREIGN KEY ("actor_id") REFERENCES "agents" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, CONSTRAINT "notifications_agents_recipient" FOREIGN KEY ("recipient_id") REFERENCES "agents" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "notifications_comments_comment" FOREIGN KEY ("comment_id") REFERENCES "comments" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, CONSTRAINT "notifications_tickets_ticket" FOREIGN KEY ("ticket_id") REFERENCES "tickets" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- create index "notification_recipient_id_read_at" to table: "notifications"
CREATE INDEX "notification_recipient_id_read_at" ON "notifications" ("recipient_id", "read_at");
-- create index "notification_recipient_id_sequence" to table: "notifications"
CREATE INDEX "notification_recipient_id_sequence" ON "notifications" ("recipient_id", "sequence");

-- +goose Down
-- reverse: create index "notification_recipient_id_sequence" to table: "notifications"
DROP INDEX "notification_recipient_id_sequence";
-- reverse: create index "notification_recipient_id_read_at" to table: "notifications"
DROP INDEX "notification_recipient_id_read_at";
-- reverse: create "notifications" table
DROP TABLE "notifications";
