-- +goose Up
-- modify "agents" table
ALTER TABLE "agents" ADD COLUMN "token_generation" bigint NOT NULL DEFAULT 0;

-- +goose Down
-- reverse: modify "agents" table
ALTER TABLE "agents" DROP COLUMN "token_generation";
