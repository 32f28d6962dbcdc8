-- +goose Up
-- create "api_tokens" table
CREATE TABLE `api_tokens` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `kind` text NOT NULL, `secret_hash` text NOT NULL, `scopes` json NOT NULL, `expires_at` datetime NULL, `last_used_at` datetime NULL, `revoked_at` datetime NULL, `customer_id` text NULL, `created_by_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `api_tokens_customers_customer` FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`) ON DELETE SET NULL, CONSTRAINT `api_tokens_agents_created_by` FOREIGN KEY (`created_by_id`) REFERENCES `agents` (`id`) ON DELETE SET NULL);
-- create index "api_tokens_secret_hash_key" to table: "api_tokens"
CREATE UNIQUE INDEX `api_tokens_secret_hash_key` ON `api_tokens` (`secret_hash`);

-- +goose Down
-- reverse: create index "api_tokens_secret_hash_key" to table: "api_tokens"
DROP INDEX `api_tokens_secret_hash_key`;
-- reverse: create "api_tokens" table
DROP TABLE `api_tokens`;
