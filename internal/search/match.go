package search

import (
	"maps"
	"slices"
	"strconv"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
)

// Fields of search_documents rows: what the text is.
const (
	FieldTitle        = "title"
	FieldDescription  = "description"
	FieldComment      = "comment" // a public comment
	FieldNote         = "note"    // an internal note: staff only
	FieldName         = "name"    // a customer's name
	FieldEmail        = "email"   // a customer's email addresses
	FieldPhone        = "phone"
	FieldOrganization = "organization"
)

// Ranks, best first. A ticket ranks by the best text holding every word
// of the search: its number, then its title, its customer, its
// description, its comments; one whose words are spread over several
// texts ranks last. Customers rank by name, email, phone, organization.
const (
	rankNumber = 0
	rankSpread = 5
)

var ticketRanks = map[string]int{
	FieldTitle: 1, FieldName: 2, FieldEmail: 2, FieldPhone: 2, FieldOrganization: 2,
	FieldDescription: 3, FieldComment: 4, FieldNote: 4,
}

var customerRanks = map[string]int{FieldName: 1, FieldEmail: 2, FieldPhone: 3, FieldOrganization: 4}

// matcher writes the SQL of one search for one dialect. notes says
// whether internal notes may match (never for customers' tokens).
type matcher struct {
	dialect string
	q       Query
	notes   bool
}

// ticketMatch restricts a tickets query (selector s) to the tickets in
// which every word is found: in a text of the ticket, in a text of its
// customer, or (a lone number) as its number.
func (m matcher) ticketMatch(s *sql.Selector) {
	s.Where(sql.P(func(b *sql.Builder) {
		for i, term := range m.q.Terms {
			if i > 0 {
				b.WriteString(" AND ")
			}
			b.WriteString(s.C("id")).WriteString(" IN (SELECT d.ticket_id FROM search_documents d WHERE d.ticket_id IS NOT NULL")
			m.noteFilter(b)
			b.WriteString(" AND ")
			m.match(b, "d", term)
			b.WriteString(" UNION SELECT c.id FROM tickets c JOIN search_documents d ON d.customer_id = c.customer_id WHERE ")
			m.match(b, "d", term)
			if m.q.Number > 0 {
				b.WriteString(" UNION SELECT n.id FROM tickets n WHERE n.number = ").Arg(m.q.Number)
			}
			b.WriteString(")")
		}
	}))
}

// ticketRank writes the rank of the ticket of selector s.
func (m matcher) ticketRank(s *sql.Selector) sql.Querier {
	return sql.ExprFunc(func(b *sql.Builder) {
		if m.q.Number > 0 {
			b.WriteString("(CASE WHEN ").WriteString(s.C("number")).WriteString(" = ").Arg(m.q.Number).
				WriteString(" THEN " + strconv.Itoa(rankNumber) + " ELSE ")
		}
		b.WriteString("COALESCE((SELECT MIN(")
		rankCase(b, ticketRanks)
		b.WriteString(") FROM search_documents d WHERE (d.ticket_id = ").WriteString(s.C("id")).
			WriteString(" OR d.customer_id = ").WriteString(s.C("customer_id")).WriteString(")")
		m.noteFilter(b)
		for _, term := range m.q.Terms {
			b.WriteString(" AND ")
			m.match(b, "d", term)
		}
		b.WriteString("), " + strconv.Itoa(rankSpread) + ")")
		if m.q.Number > 0 {
			b.WriteString(" END)")
		}
	})
}

// customerMatch restricts a customers query to those in which every word
// is found.
func (m matcher) customerMatch(s *sql.Selector) {
	s.Where(sql.P(func(b *sql.Builder) {
		for i, term := range m.q.Terms {
			if i > 0 {
				b.WriteString(" AND ")
			}
			b.WriteString(s.C("id")).WriteString(" IN (SELECT d.customer_id FROM search_documents d WHERE d.customer_id IS NOT NULL AND ")
			m.match(b, "d", term)
			b.WriteString(")")
		}
	}))
}

// customerRank writes the rank of the customer of selector s.
func (m matcher) customerRank(s *sql.Selector) sql.Querier {
	return sql.ExprFunc(func(b *sql.Builder) {
		b.WriteString("COALESCE((SELECT MIN(")
		rankCase(b, customerRanks)
		b.WriteString(") FROM search_documents d WHERE d.customer_id = ").WriteString(s.C("id"))
		for _, term := range m.q.Terms {
			b.WriteString(" AND ")
			m.match(b, "d", term)
		}
		b.WriteString("), " + strconv.Itoa(rankSpread) + ")")
	})
}

// noteFilter keeps internal notes out of reach of viewers who may not
// read them.
func (m matcher) noteFilter(b *sql.Builder) {
	if !m.notes {
		b.WriteString(" AND d.field <> '" + FieldNote + "'")
	}
}

// match writes "the document under alias holds term". On PostgreSQL the
// folded text is compared with LIKE, which the pg_trgm GIN index serves;
// on SQLite the FTS5 trigram table answers the same LIKE from its index.
// Terms never contain LIKE's wildcards (Parse splits on them).
func (m matcher) match(b *sql.Builder, alias, term string) {
	pattern := "%" + term + "%"
	if m.dialect == dialect.Postgres {
		b.WriteString(alias + ".folded LIKE '%' || unaccent(").Arg(term).WriteString("::text) || '%'")
		return
	}
	b.WriteString(alias + ".id IN (SELECT rowid FROM search_documents_fts WHERE folded LIKE ").Arg(pattern).WriteString(")")
}

// rankCase writes the rank of a document by its field. Fields and ranks
// are constants of this package, written as SQL literals.
func rankCase(b *sql.Builder, ranks map[string]int) {
	b.WriteString("CASE d.field")
	for _, f := range slices.Sorted(maps.Keys(ranks)) {
		b.WriteString(" WHEN '" + f + "' THEN " + strconv.Itoa(ranks[f]))
	}
	b.WriteString(" ELSE " + strconv.Itoa(rankSpread) + " END")
}
