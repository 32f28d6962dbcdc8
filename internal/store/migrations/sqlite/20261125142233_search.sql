-- +goose Up
-- create "search_documents" table
CREATE TABLE `search_documents` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `doc_key` text NOT NULL, `field` text NOT NULL, `folded` text NOT NULL, `ticket_id` text NULL, `comment_id` text NULL, `customer_id` text NULL, CONSTRAINT `search_documents_tickets_ticket` FOREIGN KEY (`ticket_id`) REFERENCES `tickets` (`id`) ON DELETE CASCADE, CONSTRAINT `search_documents_comments_comment` FOREIGN KEY (`comment_id`) REFERENCES `comments` (`id`) ON DELETE CASCADE, CONSTRAINT `search_documents_customers_customer` FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`) ON DELETE CASCADE);
-- create index "search_documents_doc_key_key" to table: "search_documents"
CREATE UNIQUE INDEX `search_documents_doc_key_key` ON `search_documents` (`doc_key`);
-- create index "searchdocument_ticket_id" to table: "search_documents"
CREATE INDEX `searchdocument_ticket_id` ON `search_documents` (`ticket_id`);
-- create index "searchdocument_comment_id" to table: "search_documents"
CREATE INDEX `searchdocument_comment_id` ON `search_documents` (`comment_id`);
-- create index "searchdocument_customer_id" to table: "search_documents"
CREATE INDEX `searchdocument_customer_id` ON `search_documents` (`customer_id`);
-- create index "searchdocument_folded" to table: "search_documents"
CREATE INDEX `searchdocument_folded` ON `search_documents` (`folded`);

-- +goose Down
-- reverse: create index "searchdocument_folded" to table: "search_documents"
DROP INDEX `searchdocument_folded`;
-- reverse: create index "searchdocument_customer_id" to table: "search_documents"
DROP INDEX `searchdocument_customer_id`;
-- reverse: create index "searchdocument_comment_id" to table: "search_documents"
DROP INDEX `searchdocument_comment_id`;
-- reverse: create index "searchdocument_ticket_id" to table: "search_documents"
DROP INDEX `searchdocument_ticket_id`;
-- reverse: create index "search_documents_doc_key_key" to table: "search_documents"
DROP INDEX `search_documents_doc_key_key`;
-- reverse: create "search_documents" table
DROP TABLE `search_documents`;
