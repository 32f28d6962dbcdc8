package workflow

import (
	"errors"
	"testing"
	"time"

	"helpdesk/ent/ticket"
	"helpdesk/internal/gid"
)

func TestAccrue(t *testing.T) {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		status ticket.Status
		now    time.Time
		want   TimeTotals
	}{
		{"working", ticket.StatusIN_PROGRESS, start.Add(90 * time.Minute), TimeTotals{WorkingSeconds: 100 + 5400, WaitingSeconds: 7}},
		{"waiting", ticket.StatusWAITING, start.Add(26 * time.Hour), TimeTotals{WorkingSeconds: 100, WaitingSeconds: 7 + 93600}},
		{"open does not count", ticket.StatusOPEN, start.Add(time.Hour), TimeTotals{WorkingSeconds: 100, WaitingSeconds: 7}},
		{"resolved does not count", ticket.StatusRESOLVED, start.Add(time.Hour), TimeTotals{WorkingSeconds: 100, WaitingSeconds: 7}},
		{"a clock that went back adds nothing", ticket.StatusIN_PROGRESS, start.Add(-time.Minute), TimeTotals{WorkingSeconds: 100, WaitingSeconds: 7}},
		{"part seconds are dropped", ticket.StatusIN_PROGRESS, start.Add(1999 * time.Millisecond), TimeTotals{WorkingSeconds: 101, WaitingSeconds: 7}},
	} {
		got := Accrue(TimeTotals{WorkingSeconds: 100, WaitingSeconds: 7}, tc.status, start, tc.now)
		if got != tc.want {
			t.Errorf("%s: Accrue = %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestNeedsAssignee(t *testing.T) {
	for s, want := range map[ticket.Status]bool{
		ticket.StatusUNASSIGNED: false, ticket.StatusOPEN: true, ticket.StatusIN_PROGRESS: true,
		ticket.StatusWAITING: true, ticket.StatusRESOLVED: false, ticket.StatusCLOSED: false, ticket.StatusCANCELLED: false,
	} {
		if NeedsAssignee(s) != want {
			t.Errorf("NeedsAssignee(%s) = %v, want %v", s, !want, want)
		}
	}
}

func TestRouting(t *testing.T) {
	id := func(s string) *gid.ID { v := gid.ID(s); return &v }
	def := func() (*gid.ID, error) { return id("team_default"), nil }
	none := func() (*gid.ID, error) { return nil, nil }
	path := []CategoryDefaults{{TeamID: id("team_root"), SLAPolicyID: id("sla_root")}, {}, {TeamID: id("team_leaf")}}
	for _, tc := range []struct {
		name     string
		explicit *gid.ID
		path     []CategoryDefaults
		fallback func() (*gid.ID, error)
		want     *gid.ID
	}{
		{"explicit wins", id("team_x"), path, def, id("team_x")},
		{"nearest category", nil, path, def, id("team_leaf")},
		{"an ancestor's team", nil, path[:2], def, id("team_root")},
		{"default team", nil, nil, def, id("team_default")},
		{"no team at all", nil, []CategoryDefaults{{}}, none, nil},
	} {
		got, err := RouteTeam(tc.explicit, tc.path, tc.fallback)
		if err != nil || (got == nil) != (tc.want == nil) || got != nil && *got != *tc.want {
			t.Errorf("%s: RouteTeam = %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
	if got, _ := PickSLAPolicy(path, def); got == nil || *got != "sla_root" {
		t.Errorf("PickSLAPolicy = %v, want the nearest category with a policy (sla_root)", got)
	}
	boom := errors.New("boom")
	if _, err := RouteTeam(nil, nil, func() (*gid.ID, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Errorf("RouteTeam hides the default lookup's error: %v", err)
	}
}

func TestReplayTimes(t *testing.T) {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return start.Add(time.Duration(s) * time.Second) }
	status := func(s int, to ticket.Status) LogEntry { return LogEntry{At: at(s), Status: to} }
	day := []LogEntry{
		status(0, ticket.StatusUNASSIGNED),
		{At: at(30), Responded: false}, // an internal note or a customer's message
		{At: at(60), Status: ticket.StatusOPEN, Assigned: true},
		{At: at(90), Responded: true},
		status(100, ticket.StatusIN_PROGRESS),
		{At: at(200), Assigned: true}, // handed on: not the first assignment
		status(700, ticket.StatusWAITING),
		status(1000, ticket.StatusIN_PROGRESS),
		{At: at(1050), Responded: true},
		status(1120, ticket.StatusRESOLVED),
	}
	got := ReplayTimes(day)
	if want := (TimeTotals{WorkingSeconds: 600 + 120, WaitingSeconds: 300}); got.TimeTotals != want {
		t.Fatalf("totals = %+v, want %+v", got.TimeTotals, want)
	}
	for name, c := range map[string]struct {
		got  *time.Time
		want time.Time
	}{"first assignment": {got.FirstAssignedAt, at(60)}, "first response": {got.FirstRespondedAt, at(90)}, "resolution": {got.ResolvedAt, at(1120)}} {
		if c.got == nil || !c.got.Equal(c.want) {
			t.Errorf("%s at %v, want %v", name, c.got, c.want)
		}
	}

	// Reopened, worked and resolved again: the totals grow and the
	// resolution is the last one; closing keeps it; reopening drops it.
	again := append(append([]LogEntry{}, day...),
		status(5000, ticket.StatusOPEN), status(5001, ticket.StatusIN_PROGRESS), status(5011, ticket.StatusRESOLVED),
		status(6000, ticket.StatusCLOSED))
	got = ReplayTimes(again)
	if want := (TimeTotals{WorkingSeconds: 600 + 120 + 10, WaitingSeconds: 300}); got.TimeTotals != want {
		t.Fatalf("totals after reopening = %+v, want %+v", got.TimeTotals, want)
	}
	if got.ResolvedAt == nil || !got.ResolvedAt.Equal(at(5011)) {
		t.Fatalf("closed ticket resolved at %v, want the last resolution %v", got.ResolvedAt, at(5011))
	}
	if got := ReplayTimes(append(append([]LogEntry{}, day...), status(2000, ticket.StatusOPEN))); got.ResolvedAt != nil {
		t.Fatalf("a reopened ticket keeps its resolution %v", got.ResolvedAt)
	}

	// Created assigned: the first assignment is the creation.
	got = ReplayTimes([]LogEntry{{At: start, Status: ticket.StatusOPEN, Assigned: true}})
	if got.FirstAssignedAt == nil || !got.FirstAssignedAt.Equal(start) || got.FirstRespondedAt != nil || got.ResolvedAt != nil {
		t.Fatalf("a ticket created assigned: %+v", got)
	}
}
