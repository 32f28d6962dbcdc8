package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"helpdesk/internal/gid"
)

// SearchDocument is one searchable text of a ticket (title, description,
// a comment) or of a customer (name, emails, phone, organization), folded
// for accent- and case-free substring search. internal/search writes the
// rows in the transaction of the change they follow and reads them; they
// are not part of the API.
//
// PostgreSQL indexes `folded` with pg_trgm (GIN) for LIKE '%…%', and a
// trigger passes it through unaccent; SQLite mirrors it into an FTS5
// trigram table (search_documents_fts) by triggers. Both are created by
// hand-written migrations next to the generated ones.
type SearchDocument struct{ ent.Schema }

// Fields of the SearchDocument.
func (SearchDocument) Fields() []ent.Field {
	return []ent.Field{
		// doc_key names the text: "<ticket id>:title", "<comment id>",
		// "<customer id>:phone"...
		field.String("doc_key").NotEmpty().MaxLen(100).Unique(),
		field.String("field").NotEmpty().MaxLen(20),
		field.Text("folded"),
		field.String("ticket_id").GoType(gid.ID("")).Optional().Nillable(),
		field.String("comment_id").GoType(gid.ID("")).Optional().Nillable(),
		field.String("customer_id").GoType(gid.ID("")).Optional().Nillable(),
	}
}

// Edges of the SearchDocument: a document goes with its row.
func (SearchDocument) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("ticket", Ticket.Type).Field("ticket_id").Unique().
			Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("comment", Comment.Type).Field("comment_id").Unique().
			Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("customer", Customer.Type).Field("customer_id").Unique().
			Annotations(entsql.OnDelete(entsql.Cascade)),
	}
}

// Indexes of the SearchDocument.
func (SearchDocument) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("ticket_id"),
		index.Fields("comment_id"),
		index.Fields("customer_id"),
		// Substring search on PostgreSQL (SQLite searches its FTS5 table).
		index.Fields("folded").Annotations(
			entsql.IndexTypes(map[string]string{dialect.Postgres: "GIN"}),
			entsql.OpClass("gin_trgm_ops"),
		),
		// The customers' texts alone: a search reads which customers hold
		// a word without the many tickets' texts that may hold it too.
		index.Fields("folded").StorageKey("searchdocument_customer_folded").Annotations(
			entsql.IndexTypes(map[string]string{dialect.Postgres: "GIN"}),
			entsql.OpClass("gin_trgm_ops"),
			entsql.IndexWhere("customer_id IS NOT NULL"),
		),
	}
}

// Annotations of the SearchDocument.
func (SearchDocument) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
