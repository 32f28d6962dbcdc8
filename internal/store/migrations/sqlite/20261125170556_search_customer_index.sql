-- +goose Up
-- create index "searchdocument_customer_folded" to table: "search_documents"
CREATE INDEX `searchdocument_customer_folded` ON `search_documents` (`folded`) WHERE customer_id IS NOT NULL;

-- +goose Down
-- reverse: create index "searchdocument_customer_folded" to table: "search_documents"
DROP INDEX `searchdocument_customer_folded`;
