-- +goose Up
-- Search (internal/search): an external-content FTS5 table with the
-- trigram tokenizer indexes every substring of search_documents.folded
-- for LIKE '%…%' in any script; triggers keep it in step.
CREATE VIRTUAL TABLE `search_documents_fts` USING fts5(`folded`, content='search_documents', content_rowid='id', tokenize='trigram');
INSERT INTO `search_documents_fts` (`search_documents_fts`) VALUES ('rebuild');
-- +goose StatementBegin
CREATE TRIGGER `search_documents_fts_insert` AFTER INSERT ON `search_documents` BEGIN
  INSERT INTO `search_documents_fts` (rowid, `folded`) VALUES (new.`id`, new.`folded`);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER `search_documents_fts_delete` AFTER DELETE ON `search_documents` BEGIN
  INSERT INTO `search_documents_fts` (`search_documents_fts`, rowid, `folded`) VALUES ('delete', old.`id`, old.`folded`);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER `search_documents_fts_update` AFTER UPDATE ON `search_documents` BEGIN
  INSERT INTO `search_documents_fts` (`search_documents_fts`, rowid, `folded`) VALUES ('delete', old.`id`, old.`folded`);
  INSERT INTO `search_documents_fts` (rowid, `folded`) VALUES (new.`id`, new.`folded`);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER `search_documents_fts_update`;
DROP TRIGGER `search_documents_fts_delete`;
DROP TRIGGER `search_documents_fts_insert`;
DROP TABLE `search_documents_fts`;
