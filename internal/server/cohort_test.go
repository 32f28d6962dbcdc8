package server_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"helpdesk/ent"
	"helpdesk/internal/gqltest"
	"helpdesk/internal/store"
	"helpdesk/internal/testdb"
)

// queueDriver counts the statements that evaluate the live queues of the
// test (filters on priority or team): a batch's filters (which of the
// events' tickets match each filter followed) and a queue's count.
// Statements in transactions are not seen.
type queueDriver struct {
	dialect.Driver
	mu      sync.Mutex
	filters int
	counts  int
}

func (d *queueDriver) Query(ctx context.Context, query string, args, v any) error {
	q := strings.ToLower(strings.NewReplacer(`"`, "", "`", "").Replace(query))
	d.mu.Lock()
	switch {
	case strings.HasPrefix(q, "select count(tickets.id) from tickets"):
		d.counts++
	case strings.HasPrefix(q, "select tickets.id from tickets where") && strings.Contains(q, "tickets.id in (") &&
		(strings.Contains(q, "tickets.priority = ") || strings.Contains(q, "tickets.team_id = ")):
		d.filters++
	}
	d.mu.Unlock()
	return d.Driver.Query(ctx, query, args, v)
}

// QueryContext runs a raw query (the live queues' shared evaluation of
// their filters is one).
func (d *queueDriver) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	q := strings.ToLower(strings.NewReplacer(`"`, "", "`", "").Replace(query))
	if strings.HasPrefix(q, "select tickets.id, ") && strings.Contains(q, "tickets.id in (") &&
		(strings.Contains(q, "tickets.priority = ") || strings.Contains(q, "tickets.team_id = ")) {
		d.mu.Lock()
		d.filters++
		d.mu.Unlock()
	}
	return d.Driver.(interface {
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	}).QueryContext(ctx, query, args...)
}

// BeginTx starts a transaction with options (statements in it are not
// counted).
func (d *queueDriver) BeginTx(ctx context.Context, opts *sql.TxOptions) (dialect.Tx, error) {
	return d.Driver.(interface {
		BeginTx(context.Context, *sql.TxOptions) (dialect.Tx, error)
	}).BeginTx(ctx, opts)
}

// since returns the filter evaluations and counts since the last call.
func (d *queueDriver) since() (filters, counts int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	filters, counts = d.filters, d.counts
	d.filters, d.counts = 0, 0
	return filters, counts
}

// queueSub is one live queue subscription on its own socket.
type queueSub struct {
	name  string
	s     *gqltest.Socket
	where map[string]any
}

// TestRealtimeCohortsShareEvaluations checks that the cost of an event
// grows neither with the live queues nor with their subscribers:
// subscribers who may read every ticket and follow the same filter share
// one queue; the filters of all queues, other filters and plain agents'
// queues (whose scope is their own) included, are evaluated together in
// one statement per event, each viewer's scope being decided in memory.
// No queue is counted again for an event: the counts delivered are kept
// from the queues' memberships.
func TestRealtimeCohortsShareEvaluations(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, dial string) {
		db := testdb.Open(t, dial)
		counter := &queueDriver{Driver: entsql.OpenDB(db.Dialect, db.SQL)}
		o := newOrgOn(t, &store.DB{Client: ent.NewClient(ent.Driver(counter)), SQL: db.SQL, Dialect: db.Dialect, DSN: db.DSN})
		startApp(t, o.app)
		cus := o.newCustomer(t, "Cohort Customer", "cohort@example.com")
		o.openTicket(t, cus, "A", "LOW")
		sentinel := o.openTicket(t, cus, "A", "HIGH")

		high := map[string]any{"priority": "HIGH"}
		teamA := map[string]any{"teamID": o.teams["A"]}
		var subs []queueSub
		// add subscribes and waits until every subscription, old and new,
		// delivered a comment on the sentinel (in every queue below).
		add := func(more ...queueSub) {
			t.Helper()
			after := o.latestCursor(t, sentinel)
			for _, q := range more {
				q.s = gqltest.Connect(t, o.url, gqltest.TransportWS, o.clients[q.name].Token)
				q.s.Subscribe(t, "q", queueSubscription, map[string]any{"where": q.where, "after": after})
				subs = append(subs, q)
			}
			o.addComment(t, sentinel, "are you there?", "PUBLIC")
			for _, q := range subs {
				if d := next(t, q.s, "q"); d.TicketEvents.TicketID != sentinel {
					t.Fatalf("%s: first delivery is about %s, want the sentinel", q.name, d.TicketEvents.TicketID)
				}
			}
		}
		// event comments on the sentinel and returns the evaluations and
		// counts it cost once every subscriber received it.
		event := func(wantTotal map[string]int) (filters, counts int) {
			t.Helper()
			counter.since()
			o.addComment(t, sentinel, "one more thing", "PUBLIC")
			for i, q := range subs {
				d := next(t, q.s, "q")
				expect(t, d, "CHANGED", sentinel)
				key := fmt.Sprint(q.where)
				if d.TicketEvents.TotalCount != wantTotal[key] {
					t.Fatalf("subscriber %d (%s, %v): totalCount %d, want %d", i, q.name, q.where, d.TicketEvents.TotalCount, wantTotal[key])
				}
			}
			return counter.since()
		}
		totals := map[string]int{fmt.Sprint(high): 1, fmt.Sprint(teamA): 2}

		// Four subscribers who read every ticket, one filter: one cohort.
		add(queueSub{name: "admin", where: high}, queueSub{name: "admin", where: high},
			queueSub{name: "admin", where: high}, queueSub{name: "manager", where: high})
		if f, c := event(totals); f != 1 || c != 0 {
			t.Fatalf("one cohort of 4: %d filter evaluations and %d counts per event, want 1 and 0", f, c)
		}
		// A second filter is a second cohort.
		add(queueSub{name: "admin", where: teamA}, queueSub{name: "manager", where: teamA})
		if f, c := event(totals); f != 1 || c != 0 {
			t.Fatalf("two cohorts: %d filter evaluations and %d counts per event, want 1 and 0", f, c)
		}
		// Plain agents' queues depend on their own scope (two
		// subscriptions of one agent share theirs, another agent's, here
		// a team lead's, is its own), but not their filter's evaluation.
		add(queueSub{name: "agentA", where: high}, queueSub{name: "agentA", where: high}, queueSub{name: "leadA", where: high})
		if f, c := event(totals); f != 1 || c != 0 {
			t.Fatalf("two cohorts and two agents: %d filter evaluations and %d counts per event, want 1 and 0", f, c)
		}
	})
}
