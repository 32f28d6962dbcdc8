-- +goose Up
-- Search (internal/search): every stored text passes through unaccent,
-- as every searched word does, so both fold alike.
-- +goose StatementBegin
CREATE FUNCTION "search_documents_unaccent"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.folded := unaccent(NEW.folded);
  RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER "search_documents_unaccent" BEFORE INSERT OR UPDATE OF "folded" ON "search_documents"
  FOR EACH ROW EXECUTE FUNCTION "search_documents_unaccent"();

-- +goose Down
DROP TRIGGER "search_documents_unaccent" ON "search_documents";
DROP FUNCTION "search_documents_unaccent"();
