-- +goose Up
-- create "routing_rules" table
CREATE TABLE "routing_rules" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "name" character varying NOT NULL, "position" bigint NOT NULL, "active" boolean NOT NULL DEFAULT true, "channels" jsonb NOT NULL, "customer_id" character varying NULL, "organization" character varying NULL, "category_id" character varying NULL, "tags" jsonb NOT NULL, "title_words" jsonb NOT NULL, "team_id" character varying NULL, "priority" character varying NULL, "add_tags" jsonb NOT NULL, PRIMARY KEY ("id"));
-- create index "routingrule_position" to table: "routing_rules"
CREATE INDEX "routingrule_position" ON "routing_rules" ("position");

-- +goose Down
-- reverse: create index "routingrule_position" to table: "routing_rules"
DROP INDEX "routingrule_position";
-- reverse: create "routing_rules" table
DROP TABLE "routing_rules";
