package graph

import (
	"context"
	"fmt"
	"sync/atomic"

	entgo "entgo.io/ent"
	"entgo.io/ent/dialect/sql"
	"github.com/99designs/gqlgen/graphql"

	"helpdesk/ent"
)

// totalCountColumn is the extra column the page statement counts in.
const totalCountColumn = "total_count"

// paginateTickets pages tickets like the generated Paginate. When a first
// (or last) page is asked for with both totalCount and its edges, the
// count is taken in the page's own statement (COUNT(*) OVER (), computed
// over every row the filter and the read scope let through, before the
// page's limit) instead of a statement of its own. A page after a cursor
// keeps the separate count: the cursor's predicate would narrow the window.
//
// The page's statement reads only the columns its selection needs (see
// selectTicketColumns).
func paginateTickets(ctx context.Context, q *ent.TicketQuery, after *ent.Cursor, first *int, before *ent.Cursor, last *int, opts ...ent.TicketPaginateOption) (*ent.TicketConnection, error) {
	selectTicketColumns(ctx, q)
	conn, err := paginateTicketsFolded(ctx, q, after, first, before, last, opts...)
	expectCategoryPaths(ctx, conn)
	return conn, err
}

// paginateTicketsFolded is paginateTickets before the page is announced
// to the loaders.
func paginateTicketsFolded(ctx context.Context, q *ent.TicketQuery, after *ent.Cursor, first *int, before *ent.Cursor, last *int, opts ...ent.TicketPaginateOption) (*ent.TicketConnection, error) {
	if after != nil || before != nil || first != nil && *first == 0 || last != nil && *last == 0 || !collects(ctx, "totalCount") || !collects(ctx, "edges") {
		return q.Paginate(ctx, after, first, before, last, opts...)
	}
	fold := &foldedCount{}
	conn, err := q.Where(countInPage).Paginate(context.WithValue(ctx, foldedCountKey{}, fold), after, first, before, last, opts...)
	if err != nil {
		return nil, err
	}
	if !fold.skipped.Load() {
		// Nothing skipped the count statement (no interceptor installed):
		// the connection's count is already right.
		return conn, nil
	}
	conn.TotalCount = 0
	if len(conn.Edges) > 0 {
		total, err := conn.Edges[0].Node.Value(totalCountColumn)
		if err != nil {
			return nil, fmt.Errorf("reading the folded total count: %w", err)
		}
		n, ok := total.(int64)
		if !ok {
			return nil, fmt.Errorf("reading the folded total count: unexpected %T", total)
		}
		conn.TotalCount = int(n)
	}
	return conn, nil
}

// countInPage adds the window count to the page statement. It is a
// predicate only in form: it adds a column, not a condition.
func countInPage(s *sql.Selector) {
	s.AppendSelectExprAs(sql.Expr("COUNT(*) OVER ()"), totalCountColumn)
}

// foldedCount marks a pagination whose count statement is skipped: the
// first ticket count run with it in its context answers 0 without asking
// the database (Paginate then takes the count from the page).
type foldedCount struct{ skipped atomic.Bool }

type foldedCountKey struct{}

// foldCounts is the ticket query interceptor that skips the count
// statement of a paginateTickets call.
func foldCounts() ent.Interceptor {
	return ent.InterceptFunc(func(next ent.Querier) ent.Querier {
		return ent.QuerierFunc(func(ctx context.Context, q ent.Query) (ent.Value, error) {
			fold, ok := ctx.Value(foldedCountKey{}).(*foldedCount)
			if ok && entgo.QueryFromContext(ctx).Op == entgo.OpQueryCount && fold.skipped.CompareAndSwap(false, true) {
				return 0, nil
			}
			return next.Query(ctx, q)
		})
	})
}

// collects reports whether the current field selects the named subfield.
func collects(ctx context.Context, name string) bool {
	if graphql.GetFieldContext(ctx) == nil {
		return true
	}
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		if f.Name == name {
			return true
		}
	}
	return false
}
