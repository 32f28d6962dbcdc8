package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"helpdesk/internal/auth"
	"helpdesk/internal/bench"
	"helpdesk/internal/testdb"
)

// TestBenchSmoke generates a tiny data set, runs every scenario (fanout
// with a few websocket subscribers) for half a second against the real
// server and checks the report; a second run reuses the data set.
func TestBenchSmoke(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, dial string) {
		db := testdb.Open(t, dial)
		out := filepath.Join(t.TempDir(), "report.json")
		cfg := bench.Config{
			DatabaseURL: db.DSN, Size: bench.SizeFor(300), InProcess: true, Clients: 2,
			Duration: 500 * time.Millisecond, Scenarios: bench.AllScenarios, Out: out, Subscribers: 12,
		}
		var text bytes.Buffer
		report, err := bench.Run(t.Context(), cfg, &text, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		t.Log(text.String())

		ctx := auth.WithViewer(context.Background(), auth.System)
		tickets, err := db.Client.Ticket.Query().Count(ctx)
		if err != nil || tickets < 300 {
			t.Fatalf("%d tickets in the database (%v), want the 300 generated and those created", tickets, err)
		}
		comments, _ := db.Client.Comment.Query().Count(ctx)
		events, _ := db.Client.TicketEvent.Query().Count(ctx)
		if comments == 0 || events < tickets+comments {
			t.Fatalf("%d comments and %d events for %d tickets: the event log does not match", comments, events, tickets)
		}

		ran := map[string]bench.Result{}
		for _, r := range report.Scenarios {
			ran[r.Name] = r
			if r.Skipped != "" {
				continue
			}
			if r.Requests == 0 || r.Errors > 0 {
				t.Errorf("%s: %d requests, %d errors (%s)", r.Name, r.Requests, r.Errors, r.FirstError)
			}
			if r.P50 <= 0 || r.P99 < r.P50 {
				t.Errorf("%s: p50 %.2f ms, p99 %.2f ms", r.Name, r.P50, r.P99)
			}
		}
		for _, name := range []string{"queue", "ticket", "create", "stats", "search", "fanout"} {
			if r, ok := ran[name]; !ok || r.Skipped != "" {
				t.Fatalf("scenario %s did not run: %+v", name, r)
			}
		}
		if f := ran["fanout"]; f.Subscribers != 12 || f.Deliveries == 0 || f.Deliveries < f.Expected {
			// (Memory per connection is not checked: a dozen sockets are
			// lost in the noise of the process's resident memory.)
			t.Errorf("fanout: %d subscribers, %d deliveries for %d expected", f.Subscribers, f.Deliveries, f.Expected)
		}
		if q := ran["queue"].StatementsPerRequest; q <= 0 || q > 6 {
			t.Errorf("the queue took %.1f statements per request", q)
		}
		if created := tickets - 300; created != ran["create"].Requests {
			t.Errorf("%d tickets created for %d create requests", created, ran["create"].Requests)
		}
		if sql, ok := ran["queue (SQL)"]; !ok || (dial == dialect.Postgres) != (sql.Skipped == "") {
			t.Errorf("hand-written SQL on %s: %+v", dial, sql)
		}
		if dial == dialect.Postgres && report.QueueRatio == nil {
			t.Error("no GraphQL ÷ SQL ratio on PostgreSQL")
		}
		raw, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		var written bench.Report
		if err := json.Unmarshal(raw, &written); err != nil || len(written.Scenarios) != len(report.Scenarios) {
			t.Fatalf("the JSON report does not hold the scenarios (%v): %s", err, raw)
		}

		cfg.Scenarios, cfg.Out = []string{"queue"}, ""
		text.Reset()
		if _, err := bench.Run(t.Context(), cfg, &text, io.Discard); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(text.String(), "reusing the data set") {
			t.Fatalf("the second run did not reuse the data set:\n%s", text.String())
		}
	})
}
