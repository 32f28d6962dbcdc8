-- +goose Up
-- create "api_tokens" table
CREATE TABLE "api_tokens" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "name" character varying NOT NULL, "kind" character varying NOT NULL, "secret_hash" character varying NOT NULL, "scopes" jsonb NOT NULL, "expires_at" timestamptz NULL, "last_used_at" timestamptz NULL, "revoked_at" timestamptz NULL, "customer_id" character varying NULL, "created_by_id" character varying NULL, PRIMARY KEY ("id"), CONSTRAINT "api_tokens_agents_created_by" FOREIGN KEY ("created_by_id") REFERENCES "agents" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, CONSTRAINT "api_tokens_customers_customer" FOREIGN KEY ("customer_id") REFERENCES "customers" ("id") ON UPDATE NO ACTION ON DELETE SET NULL);
-- create index "api_tokens_secret_hash_key" to table: "api_tokens"
CREATE UNIQUE INDEX "api_tokens_secret_hash_key" ON "api_tokens" ("secret_hash");

-- +goose Down
-- reverse: create index "api_tokens_secret_hash_key" to table: "api_tokens"
DROP INDEX "api_tokens_secret_hash_key";
-- reverse: create "api_tokens" table
DROP TABLE "api_tokens";
