package search

import (
	"context"
	stdsql "database/sql"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"helpdesk/ent"
	"helpdesk/internal/auth"
	"helpdesk/internal/gid"
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
// patterns holds, for each term, the LIKE pattern of its stored form:
// folded as the index folds (on PostgreSQL through unaccent too), so
// that the database sees a constant and estimates how many rows match.
type matcher struct {
	dialect  string
	q        Query
	notes    bool
	patterns []string
}

// ticketMatch restricts a tickets query (selector s) to every ticket in
// which every word is found: in a text of the ticket, in a text of its
// customer, or (a lone number) as its number. One grouped statement reads
// the documents holding any of the index's words and keeps the tickets
// that have them all; words too short for the index are then looked for
// in the texts of those tickets only. It reads every match: the pages of
// Service.Tickets read a bounded number (candidates).
func (m matcher) ticketMatch(s *sql.Selector) {
	long := m.longTerms()
	s.Where(sql.P(func(b *sql.Builder) {
		b.WriteString("(")
		if len(long) > 0 {
			b.WriteString(s.C("id")).WriteString(" IN (SELECT f.ticket_id FROM (SELECT d.ticket_id AS ticket_id")
			m.termFlags(b, long)
			b.WriteString(" FROM search_documents d WHERE d.ticket_id IS NOT NULL")
			m.noteFilter(b)
			m.matchAny(b, long)
			b.WriteString(" UNION ALL SELECT c.id AS ticket_id")
			m.termFlags(b, long)
			b.WriteString(" FROM search_documents d JOIN tickets c ON c.customer_id = d.customer_id WHERE d.customer_id IS NOT NULL")
			m.matchAny(b, long)
			b.WriteString(") f GROUP BY f.ticket_id")
			m.havingAll(b, "f", long)
			b.WriteString(")")
			for i := range m.q.Terms {
				if !m.q.long(i) {
					b.WriteString(" AND ")
					m.found(b, s, i)
				}
			}
		}
		if m.q.Number > 0 {
			if len(long) > 0 {
				b.WriteString(" OR ")
			}
			b.WriteString(s.C("number")).WriteString(" = ").Arg(m.q.Number)
		}
		b.WriteString(")")
	}))
}

// longTerms lists the terms the index can look up.
func (m matcher) longTerms() []int {
	var out []int
	for i := range m.q.Terms {
		if m.q.long(i) {
			out = append(out, i)
		}
	}
	return out
}

// inTicketTexts is the predicate "term i is in a text of the ticket of
// s" (a correlated EXISTS, which the database may run as a semi-join).
func (m matcher) inTicketTexts(i int) func(*sql.Selector) {
	return func(s *sql.Selector) {
		s.Where(sql.P(func(b *sql.Builder) { m.inTexts(b, s, i, false) }))
	}
}

// inFewTicketTexts is inTicketTexts for rare words (PostgreSQL): the
// tickets whose own texts hold each of the terms, read from the trigram
// index as sets and intersected before any ticket is read; the tickets
// are then read by key, newest first, from the array of their ids (as a
// semi-join the planner may scan every ticket to hash them).
func (m matcher) inFewTicketTexts(terms []int) func(*sql.Selector) {
	return func(s *sql.Selector) {
		s.Where(sql.P(func(b *sql.Builder) {
			b.WriteString(s.C("id") + " = ANY(ARRAY(")
			for n, i := range terms {
				if n > 0 {
					b.WriteString(" INTERSECT ")
				}
				b.WriteString("SELECT d.ticket_id FROM search_documents d WHERE d.ticket_id IS NOT NULL")
				m.noteFilter(b)
				b.WriteString(" AND ")
				m.match(b, docColumn, i)
			}
			b.WriteString("))")
		}))
	}
}

// inTicketTextsChecked is inTicketTexts checked on the texts of each
// ticket considered (see check), never through the trigram index.
func (m matcher) inTicketTextsChecked(i int) func(*sql.Selector) {
	return func(s *sql.Selector) {
		s.Where(sql.P(func(b *sql.Builder) {
			b.WriteString("EXISTS (SELECT 1 FROM search_documents d WHERE d.ticket_id = ").WriteString(s.C("id"))
			m.noteFilter(b)
			b.WriteString(" AND ")
			m.check(b, docColumn, i)
			b.WriteString(")")
		}))
	}
}

// inCustomerTexts is the predicate "term i is in a text of the customer
// of the ticket of s".
func (m matcher) inCustomerTexts(i int) func(*sql.Selector) {
	return func(s *sql.Selector) {
		s.Where(sql.P(func(b *sql.Builder) { m.inTexts(b, s, i, true) }))
	}
}

// foundAll is the predicate "every term i for which which(i) holds is in
// a text of the ticket of s or of its customer".
func (m matcher) foundAll(which func(i int) bool) func(*sql.Selector) {
	return func(s *sql.Selector) {
		for i := range m.q.Terms {
			if which(i) {
				s.Where(sql.P(func(b *sql.Builder) { m.found(b, s, i) }))
			}
		}
	}
}

// found writes "term i is in a text of the ticket of s or of its
// customer", checked on the texts of that ticket and customer. The two
// keys are tested in one EXISTS joined by OR, which the database runs for
// each ticket it considers by the two key indexes; as two EXISTS it could
// turn each into a hashed set of every document holding the word.
func (m matcher) found(b *sql.Builder, s *sql.Selector, i int) {
	b.WriteString("EXISTS (SELECT 1 FROM search_documents d WHERE (d.ticket_id = ").WriteString(s.C("id"))
	m.noteFilter(b)
	b.WriteString(" OR d.customer_id = ").WriteString(s.C("customer_id")).WriteString(") AND ")
	m.check(b, docColumn, i)
	b.WriteString(")")
}

// inTexts writes "term i is in a text of the ticket of s" (or of its
// customer), looked up in the index.
func (m matcher) inTexts(b *sql.Builder, s *sql.Selector, i int, ofCustomer bool) {
	if ofCustomer {
		b.WriteString("EXISTS (SELECT 1 FROM search_documents d WHERE d.customer_id = ").WriteString(s.C("customer_id"))
	} else {
		b.WriteString("EXISTS (SELECT 1 FROM search_documents d WHERE d.ticket_id = ").WriteString(s.C("id"))
		m.noteFilter(b)
	}
	b.WriteString(" AND ")
	m.match(b, docColumn, i)
	b.WriteString(")")
}

// termFlags writes one column per listed term, t0, t1, …: 1 when the
// document d holds the word, else 0.
func (m matcher) termFlags(b *sql.Builder, terms []int) {
	for _, i := range terms {
		b.WriteString(", CASE WHEN ")
		m.match(b, docColumn, i)
		b.WriteString(" THEN 1 ELSE 0 END AS t" + strconv.Itoa(i))
	}
}

// matchAny writes " AND (<d holds a listed term>)".
func (m matcher) matchAny(b *sql.Builder, terms []int) {
	b.WriteString(" AND (")
	for n, i := range terms {
		if n > 0 {
			b.WriteString(" OR ")
		}
		m.match(b, docColumn, i)
	}
	b.WriteString(")")
}

// havingAll keeps the groups of alias in which every listed term was
// found.
func (m matcher) havingAll(b *sql.Builder, alias string, terms []int) {
	b.WriteString(" HAVING ")
	for n, i := range terms {
		if n > 0 {
			b.WriteString(" AND ")
		}
		b.WriteString("MAX(" + alias + ".t" + strconv.Itoa(i) + ") = 1")
	}
}

// ranks returns the rank of each of the given tickets and customers
// that holds every word in one text of its own (see ticketRanks), in one
// statement over their documents read by key: a ticket's texts, and its
// customer's for a ticket search (or the customers' own for a customer
// search, with ranks). Rows without such a text are absent.
func (m matcher) ranks(ctx context.Context, client *ent.Client, tickets, customers []gid.ID, ranks map[string]int) (map[gid.ID]int, error) {
	out := map[gid.ID]int{}
	if len(tickets) == 0 && len(customers) == 0 {
		return out, nil
	}
	query, args := sql.Dialect(m.dialect).Select("k", "r").FromExpr(sql.ExprFunc(func(b *sql.Builder) {
		b.WriteString("(")
		branch := func(key string, ids []gid.ID, notes bool) {
			b.WriteString("SELECT d." + key + " AS k, MIN(")
			rankCase(b, ranks)
			b.WriteString(") AS r FROM search_documents d WHERE d." + key + " IN (")
			writeIDs(b, ids)
			b.WriteString(")")
			if notes {
				m.noteFilter(b)
			}
			m.checkAll(b)
			b.WriteString(" GROUP BY d." + key)
		}
		if len(tickets) > 0 {
			branch("ticket_id", tickets, true)
		}
		if len(customers) > 0 {
			if len(tickets) > 0 {
				b.WriteString(" UNION ALL ")
			}
			branch("customer_id", customers, false)
		}
		b.WriteString(") ranks")
	})).Query()
	ctx = auth.WithViewer(ctx, auth.System)
	if m.dialect == dialect.Postgres {
		// A few thousand rows read by key gain nothing from parallel
		// workers, and on a busy server the statement waits for them to
		// start (three to five times longer, measured at load 20).
		tx, err := client.BeginTx(ctx, &stdsql.TxOptions{ReadOnly: true})
		if err != nil {
			return nil, fmt.Errorf("ranking found rows: %w", err)
		}
		defer func() { _ = tx.Rollback() }()
		if _, err := tx.Client().ExecContext(ctx, "SET LOCAL max_parallel_workers_per_gather = 0"); err != nil {
			return nil, fmt.Errorf("ranking found rows: %w", err)
		}
		client = tx.Client()
	}
	rows, err := client.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("ranking found rows: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id   string
			rank int
		)
		if err := rows.Scan(&id, &rank); err != nil {
			return nil, fmt.Errorf("ranking found rows: %w", err)
		}
		out[gid.ID(id)] = rank
	}
	return out, rows.Err()
}

func writeIDs(b *sql.Builder, ids []gid.ID) {
	for i, id := range ids {
		if i > 0 {
			b.Comma()
		}
		b.Arg(string(id))
	}
}

// customerMatch restricts a customers query to those in which every word
// is found, in one grouped statement as ticketMatch; words too short for
// the index are looked for in the texts of the customers found.
func (m matcher) customerMatch(s *sql.Selector) {
	long := m.longTerms()
	s.Where(sql.P(func(b *sql.Builder) {
		b.WriteString(s.C("id")).WriteString(" IN (SELECT f.customer_id FROM (SELECT d.customer_id AS customer_id")
		m.termFlags(b, long)
		b.WriteString(" FROM search_documents d WHERE d.customer_id IS NOT NULL")
		m.matchAny(b, long)
		b.WriteString(") f GROUP BY f.customer_id")
		m.havingAll(b, "f", long)
		b.WriteString(")")
		for i := range m.q.Terms {
			if !m.q.long(i) {
				b.WriteString(" AND EXISTS (SELECT 1 FROM search_documents d WHERE d.customer_id = ").WriteString(s.C("id")).WriteString(" AND ")
				m.check(b, docColumn, i)
				b.WriteString(")")
			}
		}
	}))
}

// checkAll writes " AND <d holds term>" for every word, checked on the
// document (see check).
func (m matcher) checkAll(b *sql.Builder) {
	for i := range m.q.Terms {
		b.WriteString(" AND ")
		m.check(b, docColumn, i)
	}
}

// noteFilter keeps internal notes out of reach of viewers who may not
// read them.
func (m matcher) noteFilter(b *sql.Builder) {
	if !m.notes {
		b.WriteString(" AND d.field <> '" + FieldNote + "'")
	}
}

// match writes "the document whose columns are column holds term i",
// answered from the index. On PostgreSQL the folded text is compared with
// LIKE, which the pg_trgm GIN index serves; on SQLite the FTS5 trigram
// table answers the same LIKE from its index. Patterns never contain
// LIKE's wildcards but at their ends (Parse splits words on them). A word
// too short for either index is checked instead (see check).
func (m matcher) match(b *sql.Builder, column func(string) string, i int) {
	if !m.q.long(i) {
		m.check(b, column, i)
		return
	}
	if m.dialect == dialect.Postgres {
		b.WriteString(column("folded") + " LIKE ").Arg(m.patterns[i])
		return
	}
	b.WriteString(column("id") + " IN (SELECT rowid FROM search_documents_fts WHERE folded LIKE ").Arg(m.patterns[i]).WriteString(")")
}

// check writes "the document holds term i" as a plain substring test
// that no index serves: for the documents of given tickets or customers,
// which the database then reads by their keys rather than combining
// them with the (possibly huge) index entries of a common word.
func (m matcher) check(b *sql.Builder, column func(string) string, i int) {
	fn := "instr"
	if m.dialect == dialect.Postgres {
		fn = "strpos"
	}
	stored := m.patterns[i][1 : len(m.patterns[i])-1]
	b.WriteString(fn + "(" + column("folded") + ", ").Arg(stored).WriteString(") > 0")
}

// docColumn names a column of the document under alias d.
func docColumn(name string) string { return "d." + name }

// rankCase writes the rank of a document by its field. Fields and ranks
// are constants of this package, written as SQL literals.
func rankCase(b *sql.Builder, ranks map[string]int) {
	b.WriteString("CASE d.field")
	for _, f := range slices.Sorted(maps.Keys(ranks)) {
		b.WriteString(" WHEN '" + f + "' THEN " + strconv.Itoa(ranks[f]))
	}
	b.WriteString(" ELSE " + strconv.Itoa(rankSpread) + " END")
}
