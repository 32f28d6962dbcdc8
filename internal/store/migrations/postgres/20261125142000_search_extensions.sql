-- +goose Up
-- Search (internal/search): unaccent folds accents; pg_trgm indexes
-- substrings for LIKE '%…%' in any script (Thai has no spaces).
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- +goose Down
DROP EXTENSION IF EXISTS pg_trgm;
DROP EXTENSION IF EXISTS unaccent;
