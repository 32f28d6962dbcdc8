-- +goose Up
-- add column "token_generation" to table: "agents"
-- (an ADD COLUMN rather than a copy of the table: dropping "agents" inside
-- the migration's transaction would run the ON DELETE actions of every
-- table that references it)
ALTER TABLE `agents` ADD COLUMN `token_generation` integer NOT NULL DEFAULT (0);

-- +goose Down
-- reverse: add column "token_generation" to table: "agents"
ALTER TABLE `agents` DROP COLUMN `token_generation`;
