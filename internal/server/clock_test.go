package server_test

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"helpdesk/ent/agent"
	"helpdesk/internal/auth"
	"helpdesk/internal/directory"
	"helpdesk/internal/gqltest"
	"helpdesk/internal/server"
	"helpdesk/internal/testdb"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Working time accrues while IN_PROGRESS and waiting time while WAITING,
// to the second, on the services' injected clock.
func TestWorkingAndWaitingTimeAccrueOnTheInjectedClock(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		ctx := auth.WithViewer(context.Background(), auth.System)
		clock := &fakeClock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
		app, err := server.NewApp(ctx, testdb.Open(t, dial), server.Options{Now: clock.Now, PasswordCost: testPasswordCost})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(app.Close)
		role := agent.RoleADMIN
		a, err := app.Directory.CreateAgent(ctx, directory.CreateAgentInput{Name: "Timekeeper", Email: "time@example.com", Password: adminPassword, Role: &role})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(app.Handler)
		t.Cleanup(srv.Close)
		c := &gqltest.Client{URL: srv.URL + "/graphql"}
		var login struct{ Login struct{ Token string } }
		c.Must(t, `mutation { login(email: "time@example.com", password: "`+adminPassword+`") { token } }`, nil, &login)
		c.Token = login.Login.Token

		var created struct{ CreateTicket struct{ ID string } }
		c.Must(t, `mutation($a: ID!) { createTicket(input: {title: "Timed", channel: PHONE, internal: true, assigneeID: $a}) { id } }`,
			map[string]any{"a": a.ID}, &created)
		id := created.CreateTicket.ID
		type totals struct {
			Status         string
			WorkingSeconds int
			WaitingSeconds int
		}
		set := func(status string, after time.Duration) totals {
			t.Helper()
			clock.Advance(after)
			var out struct{ SetTicketStatus totals }
			c.Must(t, `mutation($id: ID!, $s: TicketStatus!) { setTicketStatus(id: $id, status: $s) { status workingSeconds waitingSeconds } }`,
				map[string]any{"id": id, "s": status}, &out)
			return out.SetTicketStatus
		}
		steps := []struct {
			status string
			after  time.Duration
			want   totals
		}{
			{"IN_PROGRESS", 5 * time.Minute, totals{"IN_PROGRESS", 0, 0}}, // OPEN does not count
			{"WAITING", 30 * time.Minute, totals{"WAITING", 1800, 0}},
			{"IN_PROGRESS", 2 * time.Hour, totals{"IN_PROGRESS", 1800, 7200}},
			{"RESOLVED", 10*time.Minute + 999*time.Millisecond, totals{"RESOLVED", 2400, 7200}},
			{"IN_PROGRESS", 8 * time.Hour, totals{"IN_PROGRESS", 2400, 7200}}, // reopened: RESOLVED does not count
			{"RESOLVED", 15 * time.Second, totals{"RESOLVED", 2415, 7200}},
		}
		for i, st := range steps {
			if got := set(st.status, st.after); got != st.want {
				t.Fatalf("step %d (%s after %v): %+v, want %+v", i, st.status, st.after, got, st.want)
			}
		}
	})
}
