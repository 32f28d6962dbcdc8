package sla

import (
	"testing"
	"time"

	"helpdesk/ent"
	"helpdesk/ent/schematype"
	"helpdesk/ent/slaclock"
	"helpdesk/ent/ticket"
	"helpdesk/internal/gid"
)

func TestClockPauseResumeAndReopen(t *testing.T) {
	cal := mustCalendar(t, utc, weekdays("09:00", "17:00"))
	start := at(t, utc, "2026-11-27 15:00") // Friday
	cl := Clock{Metric: slaclock.MetricRESOLUTION, Target: 4 * time.Hour, StartedAt: &start}
	if due := cl.Due(cal); due == nil || !due.Equal(at(t, utc, "2026-11-30 11:00")) {
		t.Fatalf("due %v, want Monday 11:00", due)
	}
	// WAITING from Friday 16:00 to Monday 10:00: the clock has no due time
	// meanwhile, and then the two paused business hours are added back.
	cl.Pause(at(t, utc, "2026-11-27 16:00"))
	if cl.Due(cal) != nil || cl.State() != ticket.SLAStatePAUSED {
		t.Fatalf("paused clock: due %v, state %s", cl.Due(cal), cl.State())
	}
	if left, _ := cl.Remaining(cal, at(t, utc, "2026-11-30 09:30")); left != 3*time.Hour {
		t.Fatalf("remaining while paused = %v, want 3h (frozen)", left)
	}
	cl.Resume(at(t, utc, "2026-11-30 10:00"))
	if due := cl.Due(cal); due == nil || !due.Equal(at(t, utc, "2026-11-30 13:00")) {
		t.Fatalf("due after the pause %v, want Monday 13:00", due)
	}
	// Resolved at 11:00, reopened at 15:00: four business hours added back.
	cl.Meet(at(t, utc, "2026-11-30 11:00"))
	if cl.Open() || cl.State() != ticket.SLAStateMET {
		t.Fatalf("met clock open=%v state %s", cl.Open(), cl.State())
	}
	cl.Reopen(at(t, utc, "2026-11-30 15:00"))
	if due := cl.Due(cal); due == nil || !due.Equal(at(t, utc, "2026-11-30 17:00")) {
		t.Fatalf("due after reopening %v, want Monday 17:00", due)
	}
	cl.DueAt = cl.Due(cal)
	if left, _ := cl.Remaining(cal, at(t, utc, "2026-12-01 10:00")); left != -time.Hour {
		t.Fatalf("remaining an hour past due = %v, want -1h", left)
	}
}

func TestSummarize(t *testing.T) {
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	soon, later := now.Add(time.Hour), now.Add(5*time.Hour)
	running := func(m slaclock.Metric, due time.Time) Clock {
		return Clock{Metric: m, Target: time.Hour, StartedAt: &now, DueAt: &due}
	}
	met := running(slaclock.MetricFIRST_RESPONSE, soon)
	met.MetAt = &now
	risky := running(slaclock.MetricRESOLUTION, later)
	risky.FiredPercent = 75
	breached := running(slaclock.MetricFIRST_RESPONSE, soon)
	breached.BreachedAt = &soon
	paused := running(slaclock.MetricRESOLUTION, later)
	paused.PausedSince = &now
	paused.DueAt = nil
	for _, tc := range []struct {
		name    string
		clocks  []Clock
		state   ticket.SLAState
		nextDue *time.Time
	}{
		{"no clocks", nil, ticket.SLAStateNONE, nil},
		{"running", []Clock{running(slaclock.MetricFIRST_RESPONSE, soon), running(slaclock.MetricRESOLUTION, later)}, ticket.SLAStateON_TRACK, &soon},
		{"first response met", []Clock{met, running(slaclock.MetricRESOLUTION, later)}, ticket.SLAStateON_TRACK, &later},
		{"reminded", []Clock{met, risky}, ticket.SLAStateAT_RISK, &later},
		{"breached wins", []Clock{breached, risky}, ticket.SLAStateBREACHED, &soon},
		{"paused", []Clock{met, paused}, ticket.SLAStatePAUSED, nil},
		{"all met", []Clock{met}, ticket.SLAStateMET, nil},
	} {
		s := Summarize(tc.clocks)
		if s.State != tc.state || !equalTime(s.NextDueAt, tc.nextDue) {
			t.Errorf("%s: state %s next due %v, want %s %v", tc.name, s.State, s.NextDueAt, tc.state, tc.nextDue)
		}
	}
}

func TestMatchesConditions(t *testing.T) {
	cat, sub, team, cus := "cat_A", "cat_B", "team_T", "cus_C"
	org := "ACME"
	f := TicketFacts{Priority: schematype.PriorityHigh, CategoryPath: ids(cat, sub), Channel: "EMAIL", CustomerID: idp(cus), Organization: &org, TeamID: idp(team)}
	for _, tc := range []struct {
		name string
		c    schematype.SLAConditions
		want bool
	}{
		{"empty conditions never match", schematype.SLAConditions{}, false},
		{"priority", schematype.SLAConditions{Priorities: []schematype.Priority{"HIGH", "URGENT"}}, true},
		{"other priority", schematype.SLAConditions{Priorities: []schematype.Priority{"LOW"}}, false},
		{"parent category covers its subtree", schematype.SLAConditions{CategoryIDs: ids(cat)}, true},
		{"channel and organization", schematype.SLAConditions{Channels: []string{"EMAIL"}, Organizations: []string{"ACME"}}, true},
		{"all must hold", schematype.SLAConditions{Channels: []string{"EMAIL"}, TeamIDs: ids("team_X")}, false},
		{"customer", schematype.SLAConditions{CustomerIDs: ids(cus)}, true},
	} {
		if got := Matches(tc.c, f); got != tc.want {
			t.Errorf("%s: Matches = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestLevelsAndKinds(t *testing.T) {
	levels := Levels(&ent.SLAPolicy{ReminderPercents: []int{90, 75, 75}})
	if len(levels) != 3 || levels[0] != 75 || levels[1] != 90 || levels[2] != 100 {
		t.Fatalf("Levels = %v, want [75 90 100]", levels)
	}
	for p, want := range map[int]string{75: "SLA_REMINDER", 90: "SLA_WARNING", 100: "SLA_BREACHED"} {
		if got := firingKind(p, levels); string(got) != want {
			t.Errorf("firingKind(%d) = %s, want %s", p, got, want)
		}
	}
}

func ids(v ...string) []gid.ID {
	out := make([]gid.ID, len(v))
	for i, s := range v {
		out[i] = gid.ID(s)
	}
	return out
}

func idp(s string) *gid.ID {
	id := gid.ID(s)
	return &id
}

// A clock that closes (met or stopped) after its target passed in
// business time is breached at that instant; one that closes in time is
// not, and one already breached keeps its breach.
func TestClockCloseLate(t *testing.T) {
	cal := mustCalendar(t, utc, weekdays("09:00", "17:00"))
	start := at(t, utc, "2026-11-27 16:00") // Friday: due Monday 10:00
	due := at(t, utc, "2026-11-30 10:00")
	earlier := at(t, utc, "2026-11-30 09:45")
	for _, tc := range []struct {
		name     string
		close    func(*Clock)
		breached *time.Time
		want     ticket.SLAState
	}{
		{"stopped in time", func(c *Clock) { c.Stop(at(t, utc, "2026-11-30 09:30")) }, nil, ticket.SLAStateNONE},
		{"stopped late", func(c *Clock) { c.Stop(at(t, utc, "2026-11-30 11:00")) }, &due, ticket.SLAStateBREACHED},
		{"met late", func(c *Clock) { c.Meet(at(t, utc, "2026-11-30 10:01")) }, &due, ticket.SLAStateBREACHED},
		// Paused over Monday 09:00–11:00 (WAITING): two hours added back.
		{"stopped after a pause, in time", func(c *Clock) {
			c.Pause(at(t, utc, "2026-11-30 09:00"))
			c.Resume(at(t, utc, "2026-11-30 11:00"))
			c.Stop(at(t, utc, "2026-11-30 11:30"))
		}, nil, ticket.SLAStateNONE},
		{"announced already", func(c *Clock) {
			c.BreachedAt = &earlier
			c.Stop(at(t, utc, "2026-11-30 12:00"))
		}, &earlier, ticket.SLAStateBREACHED},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cl := Clock{Metric: slaclock.MetricFIRST_RESPONSE, Target: 2 * time.Hour, StartedAt: &start}
			tc.close(&cl)
			cl.CloseLate(cal)
			if !equalTime(cl.BreachedAt, tc.breached) || cl.State() != tc.want {
				t.Fatalf("breached at %v (%s), want %v (%s)", cl.BreachedAt, cl.State(), tc.breached, tc.want)
			}
		})
	}
}
