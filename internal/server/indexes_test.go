package server_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"

	"entgo.io/ent/dialect"

	"helpdesk/internal/directory"
	"helpdesk/internal/testdb"
)

// recordingDriver keeps the ticket statements the API sends outside
// transactions, with their arguments, to explain them afterwards.
type recordingDriver struct {
	dialect.Driver
	mu    sync.Mutex
	seen  []recorded
	watch bool
}

type recorded struct {
	query string
	args  []any
}

func (d *recordingDriver) Query(ctx context.Context, query string, args, v any) error {
	d.mu.Lock()
	if d.watch && (strings.Contains(query, `FROM "tickets"`) || strings.Contains(query, "FROM `tickets`")) {
		a, _ := args.([]any)
		d.seen = append(d.seen, recorded{query, a})
	}
	d.mu.Unlock()
	return d.Driver.Query(ctx, query, args, v)
}

func (d *recordingDriver) take() []recorded {
	d.mu.Lock()
	defer d.mu.Unlock()
	seen := d.seen
	d.seen, d.watch = nil, false
	return seen
}

func (d *recordingDriver) record() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.seen, d.watch = nil, true
}

// TestQueueQueryUsesIndexes fills 100,000 tickets in and explains the
// statements of an agent's queue (the page with its count) and of a
// filtered count: the database finds their tickets through indexes and
// never scans the tickets table.
func TestQueueQueryUsesIndexes(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, dial string) {
		db := testdb.Open(t, dial)
		rec := &recordingDriver{}
		o := newOrgOn(t, db.WithDriver(func(d dialect.Driver) dialect.Driver { rec.Driver = d; return rec }))
		cus, err := o.app.Directory.CreateCustomer(sys(), directory.CreateCustomerInput{Name: "Bulk", Email: ptr("bulk@example.com")})
		if err != nil {
			t.Fatal(err)
		}
		fillTickets(t, db.SQL, dial, 100_000, []string{string(o.teams["A"]), string(o.teams["B"]), string(o.teams["C"])},
			[]string{string(o.agents["agentA"]), string(o.agents["agentAB"]), string(o.agents["agentC"])}, string(cus.ID))

		agentA := o.clients["agentA"]
		vars := map[string]any{"team": o.teams["A"], "n": 50}
		rec.record()
		var page struct{ Tickets struct{ TotalCount int } }
		agentA.Must(t, queueQuery, vars, &page)
		queue := rec.take()
		rec.record()
		var count struct{ Tickets struct{ TotalCount int } }
		agentA.Must(t, `query($team: ID!) { tickets(where: {teamID: $team, statusIn: [UNASSIGNED, OPEN, IN_PROGRESS, WAITING], priority: HIGH}) { totalCount } }`,
			map[string]any{"team": o.teams["A"]}, &count)
		counts := rec.take()
		if page.Tickets.TotalCount == 0 || count.Tickets.TotalCount == 0 || count.Tickets.TotalCount >= page.Tickets.TotalCount {
			t.Fatalf("queue of %d tickets, %d of them HIGH: the data does not exercise the queue", page.Tickets.TotalCount, count.Tickets.TotalCount)
		}
		if len(queue) != 1 || len(counts) != 1 {
			t.Fatalf("%d statements on tickets for the queue and %d for the count, want 1 and 1", len(queue), len(counts))
		}
		for name, st := range map[string]recorded{"queue page": queue[0], "filtered count": counts[0]} {
			plan := explain(t, db.SQL, dial, st)
			t.Logf("%s plan:\n%s", name, plan)
			if scansTickets(dial, plan) {
				t.Errorf("the %s scans the tickets table:\n%s\n%s", name, st.query, plan)
			}
		}
	})
}

// fillTickets inserts n tickets in one statement, spread over three
// teams and three assignees: most closed, one in thirty still open.
func fillTickets(t *testing.T, db *sql.DB, dial string, n int, teams, agents []string, customer string) {
	t.Helper()
	series := "generate_series(1, $1) AS s(g)"
	created := "now() - g * interval '1 minute'"
	p := func(i int) string { return fmt.Sprintf("$%d", i) }
	if dial == dialect.SQLite {
		series = "s"
		created = "strftime('%Y-%m-%d %H:%M:%S', 'now', '-' || g || ' minutes')"
		p = func(i int) string { return fmt.Sprintf("?%d", i) }
	}
	query := `INSERT INTO tickets (id, created_at, updated_at, number, title, description, status, priority, priority_rank,
		channel, internal, version, custom_fields, working_seconds, waiting_seconds, team_id, assignee_id, customer_id)
	SELECT 'tkt_' || substr('00000000000000000000000000' || g, -26), ` + created + `, ` + created + `, g, 'Bulk ' || g, '',
		CASE WHEN g % 30 <> 0 THEN 'CLOSED' WHEN (g / 30) % 4 = 0 THEN 'UNASSIGNED' WHEN (g / 30) % 4 = 1 THEN 'OPEN'
			WHEN (g / 30) % 4 = 2 THEN 'IN_PROGRESS' ELSE 'WAITING' END,
		CASE (g / 7) % 4 WHEN 0 THEN 'URGENT' WHEN 1 THEN 'HIGH' WHEN 2 THEN 'MEDIUM' ELSE 'LOW' END, 1 + (g / 7) % 4,
		'EMAIL', false, 1, '{}', 0, 0,
		CASE g % 3 WHEN 0 THEN ` + p(2) + ` WHEN 1 THEN ` + p(3) + ` ELSE ` + p(4) + ` END,
		CASE WHEN g % 30 = 0 AND (g / 30) % 4 = 0 THEN NULL WHEN g % 7 < 3 THEN ` + p(5) + ` WHEN g % 7 < 5 THEN ` + p(6) + ` ELSE ` + p(7) + ` END,
		` + p(8) + `
	FROM ` + series
	if dial == dialect.SQLite {
		query = `WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < ?1) ` + query
	}
	if _, err := db.ExecContext(context.Background(), query, n, teams[0], teams[1], teams[2], agents[0], agents[1], agents[2], customer); err != nil {
		t.Fatalf("filling tickets: %v", err)
	}
	if _, err := db.ExecContext(context.Background(), "ANALYZE"); err != nil {
		t.Fatalf("analyzing: %v", err)
	}
}

// explain returns the database's plan for a recorded statement.
func explain(t *testing.T, db *sql.DB, dial string, st recorded) string {
	t.Helper()
	prefix := "EXPLAIN "
	if dial == dialect.SQLite {
		prefix = "EXPLAIN QUERY PLAN "
	}
	rows, err := db.QueryContext(context.Background(), prefix+st.query, st.args...)
	if err != nil {
		t.Fatalf("explaining %s: %v", st.query, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var plan []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, fmt.Sprint(vals[len(vals)-1]))
	}
	return strings.Join(plan, "\n")
}

// scansTickets reports whether a plan reads the whole tickets table.
func scansTickets(dial, plan string) bool {
	if dial == dialect.SQLite {
		for _, line := range strings.Split(plan, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "SCAN tickets") {
				return true
			}
		}
		return false
	}
	return strings.Contains(plan, "Seq Scan on tickets")
}
