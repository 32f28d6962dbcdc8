package server_test

import (
	"context"
	"testing"
	"time"

	"helpdesk/ent"
	"helpdesk/ent/agent"
	"helpdesk/ent/ticket"
	"helpdesk/ent/ticketevent"
	"helpdesk/internal/auth"
	"helpdesk/internal/directory"
	"helpdesk/internal/server"
	"helpdesk/internal/testdb"
	"helpdesk/internal/ticketing"
)

// A resolved ticket is closed once its delay has passed, by a durable
// job that was enqueued with the resolution and survives a restart of
// the process that enqueued it.
func TestResolvedTicketsCloseAutomaticallyAcrossARestart(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, dial string) {
		ctx := auth.WithViewer(context.Background(), auth.System)
		db := testdb.Open(t, dial)
		// River's leader election and scheduler run on the real clock,
		// so this test does too, with a delay of a few seconds.
		const delay = 3 * time.Second
		opts := server.Options{AutoCloseAfter: delay, JobPollInterval: 100 * time.Millisecond, PasswordCost: testPasswordCost}

		first, err := server.NewApp(ctx, db, opts)
		if err != nil {
			t.Fatal(err)
		}
		if err := first.Start(ctx); err != nil {
			t.Fatal(err)
		}
		role := agent.RoleAGENT
		a, err := first.Directory.CreateAgent(ctx, directory.CreateAgentInput{Name: "Res Olver", Email: "resolver@example.com", Password: adminPassword, Role: &role})
		if err != nil {
			t.Fatal(err)
		}
		internal := true
		tk, err := first.Tickets.CreateTicket(ctx, ticketing.CreateTicketInput{
			Title: "Fixed already", Channel: ticket.ChannelINTERNAL, Internal: &internal, AssigneeID: &a.ID,
		})
		if err != nil {
			t.Fatal(err)
		}
		resolved, err := first.Tickets.SetTicketStatus(ctx, tk.ID, ticket.StatusRESOLVED, nil)
		if err != nil {
			t.Fatal(err)
		}
		// The delay counts from the resolution the ticket records (the
		// change's time, taken when its transaction began).
		resolvedAt := *resolved.ResolvedAt
		first.Close() // the process that enqueued the job goes away
		if got := status(t, ctx, first, tk); got != ticket.StatusRESOLVED {
			t.Fatalf("status right after resolving = %s, want RESOLVED", got)
		}

		second, err := server.NewApp(ctx, db, opts)
		if err != nil {
			t.Fatal(err)
		}
		if err := second.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(second.Close)
		deadline := time.Now().Add(30 * time.Second)
		for status(t, ctx, second, tk) != ticket.StatusCLOSED {
			if time.Now().After(deadline) {
				rows, _ := second.DB.SQL.Query("SELECT state, attempt, scheduled_at, coalesce(errors::text, '') FROM river_job")
				for rows != nil && rows.Next() {
					var st, sched, errs string
					var att int
					_ = rows.Scan(&st, &att, &sched, &errs)
					t.Logf("job: %s attempt %d scheduled %s errors %s", st, att, sched, errs)
				}
				t.Fatal("the resolved ticket was not closed within 30 s of its delay passing")
			}
			time.Sleep(100 * time.Millisecond)
		}
		if waited := time.Since(resolvedAt); waited < delay {
			t.Fatalf("closed %v after resolution, before its delay of %v", waited, delay)
		}
		closed, err := second.DB.Client.TicketEvent.Query().
			Where(ticketevent.TicketID(tk.ID), ticketevent.KindEQ(ticketevent.KindSTATUS_CHANGED)).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, ev := range closed {
			for _, c := range ev.Changes {
				if c.Field == "status" && c.To != nil && *c.To == string(ticket.StatusCLOSED) {
					n++
					if ev.ActorID != nil {
						t.Errorf("the closing event names actor %s, want the system", *ev.ActorID)
					}
				}
			}
		}
		if n != 1 {
			t.Fatalf("%d events closed the ticket, want exactly 1", n)
		}
	})
}

func status(t *testing.T, ctx context.Context, app *server.App, tk *ent.Ticket) ticket.Status {
	t.Helper()
	got, err := app.DB.Client.Ticket.Get(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got.Status
}
