-- +goose Up
-- create "authz_rules" table
CREATE TABLE `authz_rules` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `ptype` text NOT NULL, `v0` text NOT NULL DEFAULT (''), `v1` text NOT NULL DEFAULT (''), `v2` text NOT NULL DEFAULT (''), `v3` text NOT NULL DEFAULT (''), `v4` text NOT NULL DEFAULT (''), `v5` text NOT NULL DEFAULT (''));
-- create index "authzrule_ptype_v0_v1_v2_v3_v4_v5" to table: "authz_rules"
CREATE UNIQUE INDEX `authzrule_ptype_v0_v1_v2_v3_v4_v5` ON `authz_rules` (`ptype`, `v0`, `v1`, `v2`, `v3`, `v4`, `v5`);

-- +goose Down
-- reverse: create index "authzrule_ptype_v0_v1_v2_v3_v4_v5" to table: "authz_rules"
DROP INDEX `authzrule_ptype_v0_v1_v2_v3_v4_v5`;
-- reverse: create "authz_rules" table
DROP TABLE `authz_rules`;
