package search

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
	"github.com/lib/pq"

	"helpdesk/ent"
	"helpdesk/ent/customer"
	"helpdesk/ent/predicate"
	"helpdesk/ent/searchdocument"
	"helpdesk/ent/ticket"
	"helpdesk/internal/apperr"
	"helpdesk/internal/auth"
	"helpdesk/internal/authz"
	"helpdesk/internal/gid"
)

// Service searches tickets and customers for the viewer in the context.
// It adds the search to the queries; what the viewer may read is applied
// to those queries by the client's read scopes (authz.InstallScopes), so
// a search never finds a row the plain list would not show.
type Service struct {
	Client  *ent.Client
	Dialect string
	// MaxCount replaces DefaultMaxCount when positive.
	MaxCount int
}

// Page is a Relay page request. Without First and Last it is the first
// DefaultPageSize rows.
type Page struct {
	After, Before *ent.Cursor
	First, Last   *int
}

// DefaultPageSize is the size of a page that asks for none.
const DefaultPageSize = 50

// DefaultMaxCount is how many tickets a search reads at most: the most
// recent DefaultMaxCount tickets that match (after where and the read
// scope) are ranked and paged. A search that finds more reports a
// totalCount of DefaultMaxCount+1, which a client shows as "more than
// DefaultMaxCount"; narrowing the search (more words, where) brings older
// tickets back into reach. Up to DefaultMaxCount, totalCount is exact.
const DefaultMaxCount = 1000

// Tickets is the page of tickets matching where and the search text,
// among the most recent DefaultMaxCount (see there). With orderBy the tickets
// come in that order, paged as the plain list is; without it, by
// relevance (see ticketRanks), and each cursor carries the rank of its
// ticket.
func (s *Service) Tickets(ctx context.Context, text string, page Page, orderBy []*ent.TicketOrder, where *ent.TicketWhereInput) (*ent.TicketConnection, error) {
	m, err := s.matcher(ctx, text)
	if err != nil {
		return nil, err
	}
	q, err := where.Filter(s.Client.Ticket.Query())
	if err != nil {
		return nil, err
	}
	limit := s.maxCount()
	found, err := m.candidates(ctx, s.Client, q, limit+1)
	if err != nil {
		return nil, fmt.Errorf("searching tickets: %w", err)
	}
	total := len(found)
	found = found[:min(len(found), limit)]
	ids := make([]gid.ID, len(found))
	for i, f := range found {
		ids[i] = f.ID
	}
	if len(orderBy) > 0 {
		conn, err := s.Client.Ticket.Query().Where(ticket.IDIn(ids...)).
			Paginate(ctx, page.After, page.First, page.Before, page.Last, ent.WithTicketOrder(orderBy))
		if err == nil && conn.TotalCount > 0 {
			conn.TotalCount = total
		}
		return conn, err
	}
	w, err := window(page)
	if err != nil {
		return nil, err
	}
	rows, err := m.rankTickets(ctx, s.Client, found)
	if err != nil {
		return nil, err
	}
	rows, info := w.cut(w.pick(rows))
	nodes, err := s.Client.Ticket.Query().Where(ticket.IDIn(rowIDs(rows)...)).Paginate(ctx, nil, nil, nil, nil)
	if err != nil {
		return nil, err
	}
	byID := make(map[gid.ID]*ent.Ticket, len(nodes.Edges))
	for _, e := range nodes.Edges {
		byID[e.Node.ID] = e.Node
	}
	conn := &ent.TicketConnection{TotalCount: total, PageInfo: info, Edges: make([]*ent.TicketEdge, 0, len(rows))}
	for _, r := range rows {
		if n := byID[r.ID]; n != nil {
			conn.Edges = append(conn.Edges, &ent.TicketEdge{Node: n, Cursor: r.cursor()})
		}
	}
	return conn, nil
}

// foundTicket is a ticket a search found, with what ranking needs.
type foundTicket struct {
	ID         gid.ID  `json:"id"`
	Number     int     `json:"number"`
	CustomerID *gid.ID `json:"customer_id"`
}

// rankTickets ranks found tickets (see ticketRanks): 0 for the ticket
// the number names, else the best rank of a text of its own or of its
// customer's holding every word, else rankSpread; in rank order, then
// by id.
func (m matcher) rankTickets(ctx context.Context, client *ent.Client, found []foundTicket) ([]rankedRow, error) {
	if len(found) == 0 {
		return nil, nil
	}
	ids := make([]gid.ID, 0, len(found))
	var customers []gid.ID
	for _, f := range found {
		ids = append(ids, f.ID)
		if f.CustomerID != nil {
			customers = append(customers, *f.CustomerID)
		}
	}
	slices.Sort(customers)
	ranks, err := m.ranks(ctx, client, ids, slices.Compact(customers), ticketRanks)
	if err != nil {
		return nil, err
	}
	rows := make([]rankedRow, len(found))
	for i, f := range found {
		rank := rankSpread
		if r, ok := ranks[f.ID]; ok {
			rank = r
		}
		if f.CustomerID != nil {
			if r, ok := ranks[*f.CustomerID]; ok && r < rank {
				rank = r
			}
		}
		if m.q.Number > 0 && f.Number == m.q.Number {
			rank = rankNumber
		}
		rows[i] = rankedRow{ID: f.ID, Rank: int64(rank)}
	}
	sortRanked(rows)
	return rows, nil
}

// sortRanked puts rows in rank order, then by id.
func sortRanked(rows []rankedRow) {
	slices.SortFunc(rows, func(a, b rankedRow) int {
		if a.Rank != b.Rank {
			return int(a.Rank - b.Rank)
		}
		return strings.Compare(string(a.ID), string(b.ID))
	})
}

// maxCount is how many tickets a search reads at most.
func (s *Service) maxCount() int {
	if s.MaxCount > 0 {
		return s.MaxCount
	}
	return DefaultMaxCount
}

// candidates returns the ids of the most recent n tickets of q that
// match, newest first. Separate statements, each newest first up to n,
// read the tickets holding every word in texts of their own, then for
// each word the tickets whose customer holds it and which hold the other
// words anywhere, and (a lone number) the ticket of that number; the
// union is every match. A ticket's own texts are semi-joins the database
// runs either way: walking the newest tickets until n are found when the
// words are common, or reading a rare word's few documents from the
// trigram index (when the planner expects few documents to hold one of
// the words: see rareWords). The customers holding a word are read first from their
// own trigram index; only when more than maxCustomers do the tickets'
// customers' texts get checked one by one, newest first.
func (m matcher) candidates(ctx context.Context, client *ent.Client, q *ent.TicketQuery, n int) ([]foundTicket, error) {
	var reads []*ent.TicketQuery
	if long := m.longTerms(); len(long) > 0 {
		own := q.Clone().Where(m.foundAll(func(i int) bool { return !m.q.long(i) }))
		rare, err := m.rareWords(ctx, client, long)
		if err != nil {
			return nil, err
		}
		if len(rare) > 0 {
			own.Where(m.inFewTicketTexts(rare))
		}
		for _, k := range long {
			switch {
			case len(rare) == 0:
				own.Where(m.inTicketTexts(k))
			case !slices.Contains(rare, k):
				own.Where(m.inTicketTextsChecked(k))
			}
		}
		reads = append(reads, own)
		for _, k := range long {
			customers, err := m.customersHolding(ctx, client, k)
			if err != nil {
				return nil, err
			}
			others := m.foundAll(func(i int) bool { return i != k })
			switch {
			case len(customers) > maxCustomers:
				reads = append(reads, q.Clone().Where(m.inCustomerTexts(k), others))
			case len(customers) > 0:
				reads = append(reads, q.Clone().Where(ticket.CustomerIDIn(customers...), others))
			}
		}
	}
	if m.q.Number > 0 {
		reads = append(reads, q.Clone().Where(ticket.Number(m.q.Number)))
	}
	var found []foundTicket
	for _, r := range reads {
		var rows []foundTicket
		err := r.Order(ent.Desc(ticket.FieldID)).Limit(n).
			Select(ticket.FieldID, ticket.FieldNumber, ticket.FieldCustomerID).Scan(ctx, &rows)
		if err != nil {
			return nil, err
		}
		found = append(found, rows...)
	}
	slices.SortFunc(found, func(a, b foundTicket) int { return strings.Compare(string(b.ID), string(a.ID)) })
	found = slices.CompactFunc(found, func(a, b foundTicket) bool { return a.ID == b.ID })
	return found[:min(len(found), n)], nil
}

// fewDocuments is how many tickets' documents the planner may expect to
// hold a word for a search to read them all from the trigram index (see
// rareWords). Walking the newest tickets reads about 5·10⁹/n documents
// to find 1,000 tickets among n, the index about 2n: beyond some 50,000
// the walk is the cheaper.
const fewDocuments = 50000

// rareWords returns the listed terms that at most fewDocuments of the
// tickets' documents hold by the planner's estimate (PostgreSQL only;
// elsewhere none). The own-texts read takes those from the trigram index
// as sets and checks the others on the tickets they give; without any, it
// walks the newest tickets. Left to itself, the planner would walk every
// ticket for a word it deems common enough to be met soon but that the
// tickets' texts hardly hold (one of many customers' names, say).
func (m matcher) rareWords(ctx context.Context, client *ent.Client, terms []int) ([]int, error) {
	if m.dialect != dialect.Postgres || len(terms) == 0 {
		return nil, nil
	}
	var b strings.Builder
	b.WriteString("EXPLAIN (FORMAT JSON) ")
	for n, i := range terms {
		if n > 0 {
			b.WriteString(" UNION ALL ")
		}
		b.WriteString("SELECT 1 FROM search_documents d WHERE d.ticket_id IS NOT NULL AND d.folded LIKE " + pq.QuoteLiteral(m.patterns[i]))
	}
	rows, err := client.QueryContext(ctx, b.String())
	if err != nil {
		return nil, fmt.Errorf("estimating how many texts hold the words: %w", err)
	}
	defer rows.Close()
	var raw []byte
	if rows.Next() {
		err = rows.Scan(&raw)
	}
	if err == nil {
		err = rows.Err()
	}
	if err != nil {
		return nil, fmt.Errorf("estimating how many texts hold the words: %w", err)
	}
	type node struct {
		Rows  float64 `json:"Plan Rows"`
		Plans []node  `json:"Plans"`
	}
	var plans []struct{ Plan node }
	if err := json.Unmarshal(raw, &plans); err != nil || len(plans) != 1 {
		return nil, fmt.Errorf("reading the planner's estimate: %v", err)
	}
	estimates := []node{plans[0].Plan}
	if len(terms) > 1 {
		estimates = plans[0].Plan.Plans
	}
	if len(estimates) != len(terms) {
		return nil, nil
	}
	var rare []int
	for n, e := range estimates {
		if e.Rows <= fewDocuments {
			rare = append(rare, terms[n])
		}
	}
	return rare, nil
}

// maxCustomers is how many customers holding a word a search lists to
// find their tickets; beyond, it checks the customers of the newest
// tickets instead.
const maxCustomers = 5000

// customersHolding lists the customers with a text holding term i, up to
// maxCustomers+1. It reads the index as the system: the customers serve
// only to find tickets, whose query keeps the viewer's read scope.
func (m matcher) customersHolding(ctx context.Context, client *ent.Client, i int) ([]gid.ID, error) {
	found, err := client.SearchDocument.Query().
		Where(func(s *sql.Selector) {
			s.Where(sql.P(func(b *sql.Builder) {
				b.WriteString(s.C(searchdocument.FieldCustomerID) + " IS NOT NULL AND ")
				m.match(b, s.C, i)
			}))
		}).
		Unique(true).Limit(maxCustomers + 1).
		Select(searchdocument.FieldCustomerID).Strings(auth.WithViewer(ctx, auth.System))
	if err != nil {
		return nil, fmt.Errorf("listing the customers holding a word: %w", err)
	}
	ids := make([]gid.ID, len(found))
	for i, id := range found {
		ids[i] = gid.ID(id)
	}
	return ids, nil
}

// Customers is Tickets for customers: the most recent MaxCount
// customers that match are ranked (see customerRanks) and paged, and
// totalCount is exact up to MaxCount, MaxCount+1 beyond.
func (s *Service) Customers(ctx context.Context, text string, page Page, orderBy []*ent.CustomerOrder, where *ent.CustomerWhereInput) (*ent.CustomerConnection, error) {
	m, err := s.matcher(ctx, text)
	if err != nil {
		return nil, err
	}
	q, err := where.Filter(s.Client.Customer.Query())
	if err != nil {
		return nil, err
	}
	if !m.q.indexed() {
		return nil, apperr.Invalid("search", "must contain a word of at least %d characters", MinWordLength)
	}
	limit := s.maxCount()
	found, err := q.Where(m.customerMatch).Order(ent.Desc(customer.FieldID)).Limit(limit + 1).IDs(ctx)
	if err != nil {
		return nil, fmt.Errorf("searching customers: %w", err)
	}
	total := len(found)
	found = found[:min(len(found), limit)]
	if len(orderBy) > 0 {
		conn, err := s.Client.Customer.Query().Where(customer.IDIn(found...)).
			Paginate(ctx, page.After, page.First, page.Before, page.Last, ent.WithCustomerOrder(orderBy))
		if err == nil && conn.TotalCount > 0 {
			conn.TotalCount = total
		}
		return conn, err
	}
	w, err := window(page)
	if err != nil {
		return nil, err
	}
	ranks, err := m.ranks(ctx, s.Client, nil, found, customerRanks)
	if err != nil {
		return nil, err
	}
	rows := make([]rankedRow, len(found))
	for i, id := range found {
		rank, ok := ranks[id]
		if !ok {
			rank = rankSpread
		}
		rows[i] = rankedRow{ID: id, Rank: int64(rank)}
	}
	sortRanked(rows)
	rows, info := w.cut(w.pick(rows))
	nodes, err := s.Client.Customer.Query().Where(customer.IDIn(rowIDs(rows)...)).Paginate(ctx, nil, nil, nil, nil)
	if err != nil {
		return nil, err
	}
	byID := make(map[gid.ID]*ent.Customer, len(nodes.Edges))
	for _, e := range nodes.Edges {
		byID[e.Node.ID] = e.Node
	}
	conn := &ent.CustomerConnection{TotalCount: total, PageInfo: info, Edges: make([]*ent.CustomerEdge, 0, len(rows))}
	for _, r := range rows {
		if n := byID[r.ID]; n != nil {
			conn.Edges = append(conn.Edges, &ent.CustomerEdge{Node: n, Cursor: r.cursor()})
		}
	}
	return conn, nil
}

// TicketFilter is the predicate of the tickets matching the search text
// for the viewer of ctx, for readers that page on their own (export).
func (s *Service) TicketFilter(ctx context.Context, text string) (predicate.Ticket, error) {
	m, err := s.matcher(ctx, text)
	if err != nil {
		return nil, err
	}
	return m.ticketMatch, nil
}

// matcher parses the search for the viewer of ctx.
func (s *Service) matcher(ctx context.Context, text string) (matcher, error) {
	q, err := Parse("search", text)
	if err != nil {
		return matcher{}, err
	}
	v, ok := auth.ViewerFrom(ctx)
	m := matcher{dialect: s.Dialect, q: q, notes: ok && authz.MayReadInternalNotes(v)}
	for _, term := range q.Terms {
		stored, err := s.storedForm(ctx, term)
		if err != nil {
			return matcher{}, err
		}
		m.patterns = append(m.patterns, "%"+stored+"%")
	}
	return m, nil
}

// storedForm is a folded word as the index stores it. PostgreSQL passes
// the stored texts through unaccent as well (a trigger); unaccent leaves
// ASCII alone, so only other words are asked of it — once per search, so
// that the matching statements compare with a constant.
func (s *Service) storedForm(ctx context.Context, term string) (string, error) {
	if s.Dialect != dialect.Postgres || isASCII(term) {
		return term, nil
	}
	rows, err := s.Client.QueryContext(ctx, "SELECT unaccent($1::text)", term)
	if err != nil {
		return "", fmt.Errorf("folding a search word: %w", err)
	}
	defer rows.Close()
	var out string
	if rows.Next() {
		err = rows.Scan(&out)
	}
	if err == nil {
		err = rows.Err()
	}
	if err != nil {
		return "", fmt.Errorf("folding a search word: %w", err)
	}
	return out, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// rankedRow is a found row and its rank.
type rankedRow struct {
	ID   gid.ID `json:"id"`
	Rank int64  `json:"search_rank"`
}

// RankCursorTag marks the value of a cursor of a ranked search, so that
// it is never taken for a cursor of an ordered list (and back).
const RankCursorTag = "rank"

// cursor is the cursor of a found row: its id, and its rank tagged with
// RankCursorTag.
func (r rankedRow) cursor() ent.Cursor {
	return ent.Cursor{ID: r.ID, Value: []any{RankCursorTag, r.Rank}}
}

func rowIDs(rows []rankedRow) []gid.ID {
	out := make([]gid.ID, len(rows))
	for i, r := range rows {
		out[i] = r.ID
	}
	return out
}

// position is a place in the ranked order: after or before (rank, id).
type position struct {
	rank int64
	id   gid.ID
}

// rankWindow is a page of a ranked list: rows strictly between after and
// before, the first size of them, or the last size when backward.
type rankWindow struct {
	after, before *position
	size          int
	backward      bool
}

func window(p Page) (rankWindow, error) {
	var w rankWindow
	var err error
	if w.after, err = cursorPosition("after", p.After); err != nil {
		return w, err
	}
	if w.before, err = cursorPosition("before", p.Before); err != nil {
		return w, err
	}
	switch {
	case p.First != nil:
		w.size = *p.First
	case p.Last != nil:
		w.size, w.backward = *p.Last, true
	default:
		w.size = DefaultPageSize
	}
	if w.size < 0 {
		return w, apperr.Invalid("first", "must not be negative")
	}
	return w, nil
}

// cursorPosition reads a cursor of a ranked search: its id and one
// number, the rank. Cursors of other lists are BAD_USER_INPUT.
func cursorPosition(arg string, c *ent.Cursor) (*position, error) {
	if c == nil {
		return nil, nil
	}
	values, _ := c.Value.([]any)
	if len(values) != 2 || values[0] != RankCursorTag || !c.ID.Valid(gid.Ticket) && !c.ID.Valid(gid.Customer) {
		return nil, apperr.Invalid(arg, "is not a cursor of this search: use a cursor from this query's pageInfo or edges")
	}
	v := reflect.ValueOf(values[1])
	switch {
	case v.CanInt():
		return &position{rank: v.Int(), id: c.ID}, nil
	case v.CanUint():
		return &position{rank: int64(v.Uint()), id: c.ID}, nil
	case v.CanFloat() && v.Float() == float64(int64(v.Float())):
		return &position{rank: int64(v.Float()), id: c.ID}, nil
	}
	return nil, apperr.Invalid(arg, "is not a cursor of this search: use a cursor from this query's pageInfo or edges")
}

// pick returns the rows of the window from rows in (rank, id) order:
// those strictly between its cursors, the first size+1 of them (the last
// size+1, last first, when backward), as cut expects.
func (w rankWindow) pick(rows []rankedRow) []rankedRow {
	less := func(a rankedRow, p *position) bool {
		return a.Rank < p.rank || a.Rank == p.rank && a.ID < p.id
	}
	var in []rankedRow
	for _, r := range rows {
		if w.after != nil && !less(rankedRow{ID: w.after.id, Rank: w.after.rank}, &position{rank: r.Rank, id: r.ID}) {
			continue
		}
		if w.before != nil && !less(r, w.before) {
			continue
		}
		in = append(in, r)
	}
	if !w.backward {
		return in[:min(len(in), w.size+1)]
	}
	out := make([]rankedRow, 0, min(len(in), w.size+1))
	for i := len(in) - 1; i >= 0 && len(out) < w.size+1; i-- {
		out = append(out, in[i])
	}
	return out
}

// cut trims the one row fetched beyond the window, puts a backward
// window back in order and tells whether more rows lie beyond.
func (w rankWindow) cut(rows []rankedRow) ([]rankedRow, ent.PageInfo) {
	var info ent.PageInfo
	more := len(rows) > w.size
	if more {
		rows = rows[:w.size]
	}
	if w.backward {
		for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
			rows[i], rows[j] = rows[j], rows[i]
		}
		info.HasPreviousPage = more
		info.HasNextPage = w.before != nil
	} else {
		info.HasNextPage = more
		info.HasPreviousPage = w.after != nil
	}
	if len(rows) > 0 {
		start, end := rows[0].cursor(), rows[len(rows)-1].cursor()
		info.StartCursor, info.EndCursor = &start, &end
	}
	return rows, info
}
