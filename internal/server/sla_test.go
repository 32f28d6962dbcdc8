package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/riverqueue/river"

	"helpdesk/ent/agent"
	"helpdesk/ent/notification"
	"helpdesk/ent/ticketevent"
	"helpdesk/internal/auth"
	"helpdesk/internal/directory"
	"helpdesk/internal/gid"
	"helpdesk/internal/gqltest"
	"helpdesk/internal/server"
	"helpdesk/internal/sla"
	"helpdesk/internal/store"
	"helpdesk/internal/testdb"
)

// slaWorld is a helpdesk in Ho Chi Minh City: an office calendar with a
// lunch break, a default policy that raises and escalates on breach, a
// Support team with a lead and an escalation team.
type slaWorld struct {
	app            *server.App
	admin          *gqltest.Client
	url            string
	alice, lead    gid.ID
	support, tier2 string
	policy         string
	// started: the App's job workers run (see recompute).
	started bool
}

// friday1630 is Friday 27 November 2026, 16:30 in Ho Chi Minh City.
var friday1630 = time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC)

func hcmTime(t *testing.T, s string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v.UTC()
}

func newSLAWorld(t *testing.T, dial string, now func() time.Time) *slaWorld {
	t.Helper()
	return newSLAWorldOn(t, testdb.Open(t, dial), now)
}

func newSLAWorldOn(t *testing.T, db *store.DB, now func() time.Time, with ...func(*server.Options)) *slaWorld {
	t.Helper()
	app := newSLAApp(t, db, now, with...)
	w := &slaWorld{app: app}
	ctx := auth.WithViewer(context.Background(), auth.System)
	role := agent.RoleADMIN
	if _, err := app.Directory.CreateAgent(ctx, directory.CreateAgentInput{Name: "Ada Admin", Email: "ada@example.com", Password: adminPassword, Role: &role}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app.Handler)
	t.Cleanup(srv.Close)
	w.url = srv.URL + "/graphql"
	anon := &gqltest.Client{URL: w.url}
	var login struct{ Login struct{ Token string } }
	anon.Must(t, `mutation { login(email: "ada@example.com", password: "`+adminPassword+`") { token } }`, nil, &login)
	w.admin = &gqltest.Client{URL: anon.URL, Token: login.Login.Token}

	agentRole := agent.RoleAGENT
	for _, a := range []struct {
		name, email string
		id          *gid.ID
	}{{"Alice", "alice@example.com", &w.alice}, {"Lee Lead", "lee@example.com", &w.lead}} {
		created, err := app.Directory.CreateAgent(ctx, directory.CreateAgentInput{Name: a.name, Email: a.email, Password: adminPassword, Role: &agentRole})
		if err != nil {
			t.Fatal(err)
		}
		*a.id = created.ID
	}
	var cal struct{ CreateBusinessCalendar struct{ ID string } }
	w.admin.Must(t, `mutation { createBusinessCalendar(input: {name: "Saigon office", timezone: "Asia/Ho_Chi_Minh",
		weeklyHours: [
			{weekday: "MONDAY", start: "08:00", end: "12:00"}, {weekday: "MONDAY", start: "13:00", end: "17:00"},
			{weekday: "TUESDAY", start: "08:00", end: "12:00"}, {weekday: "TUESDAY", start: "13:00", end: "17:00"},
			{weekday: "WEDNESDAY", start: "08:00", end: "12:00"}, {weekday: "WEDNESDAY", start: "13:00", end: "17:00"},
			{weekday: "THURSDAY", start: "08:00", end: "12:00"}, {weekday: "THURSDAY", start: "13:00", end: "17:00"},
			{weekday: "FRIDAY", start: "08:00", end: "12:00"}, {weekday: "FRIDAY", start: "13:00", end: "17:00"}],
		holidays: ["2026-12-31"]}) { id } }`, nil, &cal)
	var policy struct{ CreateSLAPolicy struct{ ID string } }
	w.admin.Must(t, `mutation($cal: ID!) { createSLAPolicy(input: {name: "Standard", calendarID: $cal, isDefault: true,
		targets: [
			{priority: URGENT, firstResponseMinutes: 60, resolutionMinutes: 240},
			{priority: HIGH, firstResponseMinutes: 120, resolutionMinutes: 480},
			{priority: MEDIUM, firstAssignmentMinutes: 30, firstResponseMinutes: 240, nextResponseMinutes: 240, resolutionMinutes: 960}],
		reminderPercents: [75, 90], breachActions: [NOTIFY, RAISE_PRIORITY, ESCALATE]}) { id } }`,
		map[string]any{"cal": cal.CreateBusinessCalendar.ID}, &policy)
	w.policy = policy.CreateSLAPolicy.ID
	var tier2, support struct{ CreateTeam struct{ ID string } }
	w.admin.Must(t, `mutation { createTeam(input: {name: "Tier 2", assignmentStrategy: MANUAL}) { id } }`, nil, &tier2)
	w.tier2 = tier2.CreateTeam.ID
	w.admin.Must(t, `mutation($esc: ID!) { createTeam(input: {name: "Support", assignmentStrategy: MANUAL, escalationTeamID: $esc}) { id } }`,
		map[string]any{"esc": w.tier2}, &support)
	w.support = support.CreateTeam.ID
	for _, a := range []gid.ID{w.alice, w.lead} {
		w.admin.Must(t, `mutation($t: ID!, $a: ID!) { addTeamMember(teamID: $t, agentID: $a) { id } }`, map[string]any{"t": w.support, "a": a}, nil)
	}
	w.admin.Must(t, `mutation($t: ID!, $a: ID!) { setTeamLead(teamID: $t, agentID: $a) { id } }`, map[string]any{"t": w.support, "a": w.lead}, nil)
	return w
}

// newSLAApp builds an App on the clock, with tokens that outlive the
// days the tests move the clock by.
func newSLAApp(t *testing.T, db *store.DB, now func() time.Time, with ...func(*server.Options)) *server.App {
	t.Helper()
	ctx := auth.WithViewer(context.Background(), auth.System)
	opts := server.Options{Now: now, PasswordCost: testPasswordCost,
		TokenKey: testTokenKey, TokenTTL: 90 * 24 * time.Hour, JobPollInterval: 100 * time.Millisecond}
	for _, f := range with {
		f(&opts)
	}
	app, err := server.NewApp(ctx, db, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)
	return app
}

// createTicket opens an internal ticket in Support, assigned to Alice.
func (w *slaWorld) createTicket(t *testing.T, priority string) string {
	t.Helper()
	var out struct{ CreateTicket struct{ ID string } }
	w.admin.Must(t, `mutation($team: ID!, $a: ID!, $p: TicketPriority!) { createTicket(input: {title: "Printer on fire", channel: PHONE,
		internal: true, teamID: $team, assigneeID: $a, priority: $p}) { id } }`,
		map[string]any{"team": w.support, "a": w.alice, "p": priority}, &out)
	return out.CreateTicket.ID
}

type slaTicket struct {
	Priority           string
	Status             string
	Team               struct{ Name string }
	Assignee           *struct{ Name string }
	SLAState           string
	FirstResponseDueAt *time.Time
	ResolutionDueAt    *time.Time
	NextDueAt          *time.Time
	SLATimeline        []struct {
		Metric           string
		TargetMinutes    int
		StartedAt        *time.Time
		PausedIntervals  []struct{ Start, End *time.Time }
		DueAt            *time.Time
		MetAt            *time.Time
		BreachedAt       *time.Time
		RemainingSeconds *int
		State            string
	}
}

func (w *slaWorld) ticket(t *testing.T, id string) slaTicket {
	t.Helper()
	var out struct{ Node slaTicket }
	w.admin.Must(t, `query($id: ID!) { node(id: $id) { ... on Ticket { priority status team { name } assignee { name }
		slaState firstResponseDueAt resolutionDueAt nextDueAt
		slaTimeline { metric targetMinutes startedAt pausedIntervals { start end } dueAt metAt breachedAt remainingSeconds state } } } }`,
		map[string]any{"id": id}, &out)
	return out.Node
}

// timerJob is an SLA timer as River stores it.
type timerJob struct {
	args        sla.TimerArgs
	scheduledAt time.Time
}

// timers lists the SLA timer jobs in the queue, by scheduled time.
func (w *slaWorld) timers(t *testing.T) []timerJob {
	t.Helper()
	query := `SELECT args, scheduled_at FROM river_job WHERE kind = 'sla_timer'`
	if w.app.DB.Dialect == dialect.SQLite {
		query = `SELECT json(args), scheduled_at FROM river_job WHERE kind = 'sla_timer'` // stored as JSONB
	}
	rows, err := w.app.DB.SQL.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []timerJob
	for rows.Next() {
		var args []byte
		var at any
		if err := rows.Scan(&args, &at); err != nil {
			t.Fatal(err)
		}
		var j timerJob
		if err := json.Unmarshal(args, &j.args); err != nil {
			t.Fatal(err)
		}
		j.scheduledAt = scannedTime(t, at)
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(out, func(a, b timerJob) int { return a.scheduledAt.Compare(b.scheduledAt) })
	return out
}

func scannedTime(t *testing.T, v any) time.Time {
	t.Helper()
	switch x := v.(type) {
	case time.Time:
		return x.UTC()
	case string, []byte:
		s := fmt.Sprint(x)
		if b, ok := x.([]byte); ok {
			s = string(b)
		}
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"} {
			if p, err := time.Parse(layout, s); err == nil {
				return p.UTC()
			}
		}
	}
	t.Fatalf("cannot read the time %v (%T)", v, v)
	return time.Time{}
}

// timerAt finds the timer for a level at an instant.
func (w *slaWorld) timerAt(t *testing.T, percent int, at time.Time) timerJob {
	t.Helper()
	all := w.timers(t)
	for _, j := range all {
		if j.args.Percent == percent && j.scheduledAt.Equal(at) {
			return j
		}
	}
	t.Fatalf("no %d %% timer at %v among %+v", percent, at, all)
	return timerJob{}
}

// fire runs a timer as River would, at the clock's time.
func (w *slaWorld) fire(t *testing.T, j timerJob) {
	t.Helper()
	ctx := context.Background()
	if err := w.app.SLA.Fire(ctx, j.args); err != nil {
		t.Fatalf("firing %+v: %v", j.args, err)
	}
}

// recompute starts the App's job workers (once) and waits until the jobs
// that bring tickets in line after an SLA configuration change have run.
func (w *slaWorld) recompute(t *testing.T) {
	t.Helper()
	if !w.started {
		if err := w.app.Start(auth.WithViewer(context.Background(), auth.System)); err != nil {
			t.Fatal(err)
		}
		w.started = true
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var pending, failed int
		if err := w.app.DB.SQL.QueryRow(`SELECT count(*), coalesce(sum(CASE WHEN state IN ('retryable', 'discarded') THEN 1 ELSE 0 END), 0)
			FROM river_job WHERE kind = 'sla_recompute' AND state <> 'completed'`).Scan(&pending, &failed); err != nil {
			t.Fatal(err)
		}
		if failed > 0 {
			t.Fatalf("%d SLA recompute jobs failed", failed)
		}
		if pending == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d SLA recompute jobs still pending after 30 s", pending)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (w *slaWorld) eventKinds(t *testing.T, ticketID string) []string {
	t.Helper()
	ctx := auth.WithViewer(context.Background(), auth.System)
	evs, err := w.app.DB.Client.TicketEvent.Query().Where(ticketevent.TicketID(gid.ID(ticketID))).
		Order(ticketevent.BySequence()).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, ev := range evs {
		out = append(out, string(ev.Kind))
	}
	return out
}

func (w *slaWorld) notifications(t *testing.T, to gid.ID) []string {
	t.Helper()
	ctx := auth.WithViewer(context.Background(), auth.System)
	ns, err := w.app.DB.Client.Notification.Query().Where(notification.RecipientID(to)).
		Order(notification.BySequence()).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range ns {
		out = append(out, string(n.Kind))
	}
	return out
}

func count(list []string, v string) int {
	n := 0
	for _, x := range list {
		if x == v {
			n++
		}
	}
	return n
}

// A HIGH ticket opened Friday 16:30 in Ho Chi Minh City is due for its
// first response on Monday 09:30 (30 minutes on Friday, 90 on Monday
// morning) and for resolution on Monday 16:30 (lunch excluded). Its
// timers are scheduled at the exact reminder, warning and breach
// instants; firing them in turn reminds Alice, warns Alice and the lead,
// then breaches: both are told, the priority is raised and the ticket
// moves to the escalation team's queue. Firing a timer again, or early,
// changes nothing.
func TestSLATimersRemindWarnBreachAndEscalate(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, dial string) {
		clock := &fakeClock{now: friday1630}
		w := newSLAWorld(t, dial, clock.Now)
		id := w.createTicket(t, "HIGH")

		got := w.ticket(t, id)
		frDue, resDue := hcmTime(t, "2026-11-30 09:30"), hcmTime(t, "2026-11-30 16:30")
		if got.SLAState != "ON_TRACK" || got.FirstResponseDueAt == nil || !got.FirstResponseDueAt.Equal(frDue) ||
			got.ResolutionDueAt == nil || !got.ResolutionDueAt.Equal(resDue) || got.NextDueAt == nil || !got.NextDueAt.Equal(frDue) {
			t.Fatalf("new ticket: state %s, first response due %v, resolution due %v, next due %v; want ON_TRACK, %v, %v, %v",
				got.SLAState, got.FirstResponseDueAt, got.ResolutionDueAt, got.NextDueAt, frDue, resDue, frDue)
		}
		if len(got.SLATimeline) != 2 || got.SLATimeline[0].Metric != "FIRST_RESPONSE" || got.SLATimeline[0].TargetMinutes != 120 ||
			got.SLATimeline[0].RemainingSeconds == nil || *got.SLATimeline[0].RemainingSeconds != 7200 {
			t.Fatalf("timeline = %+v, want FIRST_RESPONSE (120 min, 7200 s left) and RESOLUTION", got.SLATimeline)
		}

		// One timer per running clock, at its first level; each timer
		// enqueues the next level's when it fires.
		timers := w.timers(t)
		wantAt := []time.Time{hcmTime(t, "2026-11-30 09:00"), hcmTime(t, "2026-11-30 09:18"), frDue}
		if len(timers) != 2 || !timers[0].scheduledAt.Equal(wantAt[0]) || timers[0].args.Percent != 75 ||
			!timers[1].scheduledAt.Equal(hcmTime(t, "2026-11-30 14:30")) || timers[1].args.Percent != 75 {
			t.Fatalf("timers %+v, want 75 %% of the first response at Monday 09:00 and of the resolution at 14:30", timers)
		}
		clock.now = wantAt[0]
		w.fire(t, timers[0])
		w.fire(t, timers[0]) // run twice: announced once
		if got := w.ticket(t, id); got.SLAState != "AT_RISK" {
			t.Fatalf("after the reminder: state %s, want AT_RISK", got.SLAState)
		}
		warning := w.timerAt(t, 90, wantAt[1])
		clock.now = wantAt[1]
		w.fire(t, warning)
		breach := w.timerAt(t, 100, frDue)
		// The breach timer run early waits (River snoozes it).
		err := w.app.SLA.Fire(context.Background(), breach.args)
		var snooze *river.JobSnoozeError
		if !errors.As(err, &snooze) {
			t.Fatalf("an early breach timer returned %v, want a snooze", err)
		}
		clock.now = frDue
		w.fire(t, breach)
		w.fire(t, breach)

		kinds := w.eventKinds(t, id)
		for kind, n := range map[string]int{"SLA_REMINDER": 1, "SLA_WARNING": 1, "SLA_BREACHED": 1, "ESCALATED": 1, "TEAM_CHANGED": 0} {
			if count(kinds, kind) != n {
				t.Fatalf("events %v: want %d %s", kinds, n, kind)
			}
		}
		if a := w.notifications(t, w.alice); count(a, "SLA_REMINDER") != 1 || count(a, "SLA_WARNING") != 1 || count(a, "SLA_BREACHED") != 1 {
			t.Fatalf("Alice's notifications %v, want one reminder, one warning, one breach", a)
		}
		if l := w.notifications(t, w.lead); count(l, "SLA_REMINDER") != 0 || count(l, "SLA_WARNING") != 1 || count(l, "SLA_BREACHED") != 1 {
			t.Fatalf("the lead's notifications %v, want one warning and one breach, no reminder", l)
		}
		got = w.ticket(t, id)
		if got.SLAState != "BREACHED" || got.Priority != "URGENT" || got.Team.Name != "Tier 2" || got.Assignee != nil || got.Status != "UNASSIGNED" {
			t.Fatalf("after the breach: %s, %s, team %s, assignee %v, %s; want BREACHED, URGENT, Tier 2, none, UNASSIGNED",
				got.SLAState, got.Priority, got.Team.Name, got.Assignee, got.Status)
		}
		if fr := got.SLATimeline[0]; fr.BreachedAt == nil || !fr.BreachedAt.Equal(frDue) || fr.RemainingSeconds == nil || *fr.RemainingSeconds != 0 {
			t.Fatalf("first response after the breach: %+v", fr)
		}
		// Raised to URGENT, resolution is now due 240 business minutes
		// after Friday 16:30: Monday 11:30.
		if want := hcmTime(t, "2026-11-30 11:30"); got.ResolutionDueAt == nil || !got.ResolutionDueAt.Equal(want) {
			t.Fatalf("resolution due %v after the raise, want %v", got.ResolutionDueAt, want)
		}
	})
}

// Raising the priority moves the due times: new timers are scheduled at
// the new instants and the old ones, when they run, do nothing.
func TestSLATimersMoveWithThePriority(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, dial string) {
		clock := &fakeClock{now: friday1630}
		w := newSLAWorld(t, dial, clock.Now)
		var created struct {
			CreateTicket struct {
				ID                 string
				FirstResponseDueAt *time.Time
			}
		}
		w.admin.Must(t, `mutation($team: ID!) { createTicket(input: {title: "Slow", channel: PHONE, internal: true, teamID: $team,
			priority: MEDIUM}) { id firstResponseDueAt } }`, map[string]any{"team": w.support}, &created)
		if due := created.CreateTicket.FirstResponseDueAt; due == nil || !due.Equal(hcmTime(t, "2026-11-30 11:30")) {
			t.Fatalf("createTicket answered first response due %v, want Monday 11:30", due)
		}
		w.admin.Must(t, `mutation($id: ID!, $a: ID!) { updateTicket(id: $id, input: {assigneeID: $a}) { id } }`,
			map[string]any{"id": created.CreateTicket.ID, "a": w.alice}, nil)
		id := created.CreateTicket.ID
		if got := w.ticket(t, id); got.FirstResponseDueAt == nil || !got.FirstResponseDueAt.Equal(hcmTime(t, "2026-11-30 11:30")) {
			t.Fatalf("MEDIUM first response due %v, want Monday 11:30", got.FirstResponseDueAt)
		}
		old := w.timers(t)
		clock.now = hcmTime(t, "2026-11-30 08:00")
		var upd struct {
			UpdateTicket struct {
				SLAState           string
				FirstResponseDueAt *time.Time
			}
		}
		w.admin.Must(t, `mutation($id: ID!) { updateTicket(id: $id, input: {priority: HIGH}) { slaState firstResponseDueAt } }`, map[string]any{"id": id}, &upd)
		if u := upd.UpdateTicket; u.SLAState != "ON_TRACK" || u.FirstResponseDueAt == nil || !u.FirstResponseDueAt.Equal(hcmTime(t, "2026-11-30 09:30")) {
			t.Fatalf("updateTicket answered %+v, want the new due time at once", u)
		}
		got := w.ticket(t, id)
		if want := hcmTime(t, "2026-11-30 09:30"); got.FirstResponseDueAt == nil || !got.FirstResponseDueAt.Equal(want) {
			t.Fatalf("HIGH first response due %v, want %v", got.FirstResponseDueAt, want)
		}
		var moved []timerJob
		for _, j := range w.timers(t) {
			if !slices.ContainsFunc(old, func(o timerJob) bool { return o.args == j.args }) {
				moved = append(moved, j)
			}
		}
		if len(moved) != 2 || !moved[0].scheduledAt.Equal(hcmTime(t, "2026-11-30 09:00")) {
			t.Fatalf("new timers %+v, want 2, the first response's 75 %% at Monday 09:00", moved)
		}
		// Every old timer, run once its old instant has passed, does nothing.
		clock.now = hcmTime(t, "2026-12-02 17:00")
		before := w.eventKinds(t, id)
		for _, j := range old {
			w.fire(t, j)
		}
		if after := w.eventKinds(t, id); len(after) != len(before) {
			t.Fatalf("old timers recorded %v", after[len(before):])
		}
		// The moved chain reminds, warns and breaches.
		w.fire(t, moved[0])
		w.fire(t, w.timerAt(t, 90, hcmTime(t, "2026-11-30 09:18")))
		w.fire(t, w.timerAt(t, 100, hcmTime(t, "2026-11-30 09:30")))
		if kinds := w.eventKinds(t, id); count(kinds, "SLA_REMINDER") != 1 || count(kinds, "SLA_WARNING") != 1 || count(kinds, "SLA_BREACHED") != 1 {
			t.Fatalf("the moved timers: %v, want one reminder, warning and breach", kinds)
		}
	})
}
