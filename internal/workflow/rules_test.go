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

func TestReplay(t *testing.T) {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return start.Add(time.Duration(s) * time.Second) }
	got := Replay(start, ticket.StatusUNASSIGNED, []StatusChange{
		{at(60), ticket.StatusOPEN},
		{at(100), ticket.StatusIN_PROGRESS},
		{at(700), ticket.StatusWAITING},
		{at(1000), ticket.StatusIN_PROGRESS},
		{at(1120), ticket.StatusRESOLVED},
		{at(5000), ticket.StatusOPEN},
		{at(5001), ticket.StatusIN_PROGRESS},
		{at(5011), ticket.StatusRESOLVED},
	})
	if want := (TimeTotals{WorkingSeconds: 600 + 120 + 10, WaitingSeconds: 300}); got != want {
		t.Fatalf("Replay = %+v, want %+v", got, want)
	}
}
