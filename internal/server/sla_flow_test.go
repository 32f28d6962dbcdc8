package server_test

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"helpdesk/ent/notification"
	"helpdesk/ent/ticketevent"
	"helpdesk/internal/auth"
	"helpdesk/internal/gid"
	"helpdesk/internal/gqltest"
	"helpdesk/internal/testdb"
)

func (w *slaWorld) newCustomer(t *testing.T, name, org string) (id string, c *gqltest.Client) {
	t.Helper()
	var cus struct{ CreateCustomer struct{ ID string } }
	w.admin.Must(t, `mutation($n: String!, $o: String!) { createCustomer(input: {name: $n, organization: $o}) { id } }`,
		map[string]any{"n": name, "o": org}, &cus)
	var tok struct{ CreateAPIToken struct{ Token string } }
	w.admin.Must(t, `mutation($c: ID!) { createAPIToken(input: {name: "portal", customerID: $c}) { token } }`,
		map[string]any{"c": cus.CreateCustomer.ID}, &tok)
	return cus.CreateCustomer.ID, &gqltest.Client{URL: w.url, Token: tok.CreateAPIToken.Token}
}

func reply(t *testing.T, c *gqltest.Client, ticketID, body string) {
	t.Helper()
	c.Must(t, `mutation($id: ID!, $b: String!) { addComment(input: {ticketID: $id, body: $b, visibility: PUBLIC}) { id } }`,
		map[string]any{"id": ticketID, "b": body}, nil)
}

func (w *slaWorld) setStatus(t *testing.T, id, status string) {
	t.Helper()
	w.admin.Must(t, `mutation($id: ID!, $s: TicketStatus!) { setTicketStatus(id: $id, status: $s) { id } }`,
		map[string]any{"id": id, "s": status}, nil)
}

func sameTime(got *time.Time, want time.Time) bool { return got != nil && got.Equal(want) }

// One MEDIUM ticket through a week in Ho Chi Minh City: first assignment
// is met by the first assignee, in time; WAITING pauses every clock and the
// paused business time is added back; the first public agent reply meets
// FIRST_RESPONSE; a customer's message starts NEXT_RESPONSE and the next
// agent reply meets it; resolving meets RESOLUTION, and the customer's
// reply reopens the ticket and resumes it with the resolved time added
// back.
func TestSLAClocksFollowTheTicket(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, dial string) {
		clock := &fakeClock{now: friday1630}
		w := newSLAWorld(t, dial, clock.Now)
		cus, customer := w.newCustomer(t, "Chi", "Shop Co")
		var created struct{ CreateTicket struct{ ID string } }
		w.admin.Must(t, `mutation($c: ID!, $team: ID!) { createTicket(input: {title: "Wrong size", channel: WEB, customerID: $c,
			teamID: $team, priority: MEDIUM}) { id } }`, map[string]any{"c": cus, "team": w.support}, &created)
		id := created.CreateTicket.ID
		at := func(s string) time.Time { return hcmTime(t, s) }
		metric := func(tk slaTicket, m string) int {
			for i, e := range tk.SLATimeline {
				if e.Metric == m {
					return i
				}
			}
			t.Fatalf("no %s clock in %+v", m, tk.SLATimeline)
			return -1
		}

		tk := w.ticket(t, id)
		if !sameTime(tk.NextDueAt, at("2026-11-27 17:00")) || !sameTime(tk.FirstResponseDueAt, at("2026-11-30 11:30")) ||
			!sameTime(tk.ResolutionDueAt, at("2026-12-01 16:30")) || len(tk.SLATimeline) != 4 {
			t.Fatalf("new ticket: next %v, first response %v, resolution %v, %d clocks", tk.NextDueAt, tk.FirstResponseDueAt, tk.ResolutionDueAt, len(tk.SLATimeline))
		}
		if nr := tk.SLATimeline[metric(tk, "NEXT_RESPONSE")]; nr.StartedAt != nil || nr.State != "NONE" {
			t.Fatalf("NEXT_RESPONSE before any customer message: %+v", nr)
		}

		clock.now = at("2026-11-27 16:45")
		w.admin.Must(t, `mutation($id: ID!, $a: ID!) { updateTicket(id: $id, input: {assigneeID: $a}) { id } }`, map[string]any{"id": id, "a": w.alice}, nil)
		tk = w.ticket(t, id)
		if fa := tk.SLATimeline[metric(tk, "FIRST_ASSIGNMENT")]; !sameTime(fa.MetAt, clock.now) || fa.State != "MET" {
			t.Fatalf("FIRST_ASSIGNMENT after assigning: %+v", fa)
		}

		clock.now = at("2026-11-30 09:00")
		w.setStatus(t, id, "IN_PROGRESS")
		w.setStatus(t, id, "WAITING")
		tk = w.ticket(t, id)
		if tk.SLAState != "PAUSED" || tk.ResolutionDueAt != nil || tk.NextDueAt != nil {
			t.Fatalf("WAITING: state %s, resolution due %v, next due %v; want PAUSED and no due times", tk.SLAState, tk.ResolutionDueAt, tk.NextDueAt)
		}
		clock.now = at("2026-12-01 09:00")
		w.setStatus(t, id, "IN_PROGRESS")
		tk = w.ticket(t, id)
		// Paused Monday 09:00 to Tuesday 09:00: eight business hours back.
		if !sameTime(tk.FirstResponseDueAt, at("2026-12-01 11:30")) || !sameTime(tk.ResolutionDueAt, at("2026-12-02 16:30")) || tk.SLAState != "ON_TRACK" {
			t.Fatalf("after WAITING: first response %v, resolution %v, %s", tk.FirstResponseDueAt, tk.ResolutionDueAt, tk.SLAState)
		}
		res := tk.SLATimeline[metric(tk, "RESOLUTION")]
		if len(res.PausedIntervals) != 1 || !sameTime(res.PausedIntervals[0].Start, at("2026-11-30 09:00")) || !sameTime(res.PausedIntervals[0].End, clock.now) {
			t.Fatalf("RESOLUTION pauses %+v", res.PausedIntervals)
		}

		clock.now = at("2026-12-01 10:00")
		reply(t, w.admin, id, "We are on it.")
		clock.now = at("2026-12-01 11:00")
		reply(t, customer, id, "Any news?")
		tk = w.ticket(t, id)
		fr, nr := tk.SLATimeline[metric(tk, "FIRST_RESPONSE")], tk.SLATimeline[metric(tk, "NEXT_RESPONSE")]
		if !sameTime(fr.MetAt, at("2026-12-01 10:00")) || !sameTime(nr.StartedAt, clock.now) || !sameTime(nr.DueAt, at("2026-12-01 16:00")) {
			t.Fatalf("first response %+v, next response %+v", fr, nr)
		}
		if !sameTime(tk.NextDueAt, at("2026-12-01 16:00")) {
			t.Fatalf("next due %v, want the next response at Tuesday 16:00", tk.NextDueAt)
		}
		clock.now = at("2026-12-01 13:30")
		reply(t, w.admin, id, "Replacement shipped.")
		clock.now = at("2026-12-01 14:00")
		w.setStatus(t, id, "RESOLVED")
		tk = w.ticket(t, id)
		if tk.SLAState != "MET" || tk.NextDueAt != nil {
			t.Fatalf("resolved: %s, next due %v; want MET and nothing due", tk.SLAState, tk.NextDueAt)
		}

		clock.now = at("2026-12-02 09:00")
		reply(t, customer, id, "It is the wrong size again.")
		tk = w.ticket(t, id)
		// Resolved Tuesday 14:00 to Wednesday 09:00: four business hours back.
		if tk.Status != "OPEN" || !sameTime(tk.ResolutionDueAt, at("2026-12-03 11:30")) || !sameTime(tk.NextDueAt, at("2026-12-02 14:00")) {
			t.Fatalf("reopened: %s, resolution due %v, next due %v", tk.Status, tk.ResolutionDueAt, tk.NextDueAt)
		}

		// The queue "due soonest first", and the SLA state as a filter.
		var other struct{ CreateTicket struct{ ID string } }
		w.admin.Must(t, `mutation($c: ID!, $team: ID!) { createTicket(input: {title: "Sooner", channel: WEB, customerID: $c,
			teamID: $team, priority: URGENT}) { id } }`, map[string]any{"c": cus, "team": w.support}, &other)
		var q struct {
			Tickets struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		w.admin.Must(t, `{ tickets(where: {slaStateIn: [ON_TRACK, AT_RISK]}, orderBy: [{field: NEXT_DUE_AT}]) { edges { node { id } } } }`, nil, &q)
		if len(q.Tickets.Edges) != 2 || q.Tickets.Edges[0].Node.ID != other.CreateTicket.ID || q.Tickets.Edges[1].Node.ID != id {
			t.Fatalf("due soonest first: %+v, want %s then %s", q.Tickets.Edges, other.CreateTicket.ID, id)
		}
		w.admin.Must(t, `{ tickets(where: {slaState: MET}) { edges { node { id } } } }`, nil, &q)
		if len(q.Tickets.Edges) != 0 {
			t.Fatalf("MET tickets: %+v, want none", q.Tickets.Edges)
		}
	})
}

// Policies are chosen by ordered conditions, then the default; an
// explicit choice sticks; the preview, updates (which move open tickets'
// due times), retiring a policy in use and refusing to delete a calendar
// in use all work through GraphQL; only administrators configure.
func TestSLAPolicyConfiguration(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, dial string) {
		clock := &fakeClock{now: friday1630}
		w := newSLAWorld(t, dial, clock.Now)
		acme, _ := w.newCustomer(t, "Wile", "ACME")
		other, customer := w.newCustomer(t, "Road Runner", "Desert")
		var vip struct{ CreateSLAPolicy struct{ ID string } }
		w.admin.Must(t, `mutation { createSLAPolicy(input: {name: "VIP", position: 1,
			conditions: {organizations: ["ACME"], priorities: [HIGH, URGENT]},
			targets: [{priority: HIGH, firstResponseMinutes: 15}]}) { id } }`, nil, &vip)
		open := func(cus string) string {
			var out struct{ CreateTicket struct{ ID string } }
			w.admin.Must(t, `mutation($c: ID!) { createTicket(input: {title: "Help", channel: EMAIL, customerID: $c, priority: HIGH}) { id } }`,
				map[string]any{"c": cus}, &out)
			return out.CreateTicket.ID
		}
		policyOf := func(id string) (string, *time.Time) {
			var out struct {
				Node struct {
					SLAPolicy          struct{ ID string }
					FirstResponseDueAt *time.Time
				}
			}
			w.admin.Must(t, `query($id: ID!) { node(id: $id) { ... on Ticket { slaPolicy { id } firstResponseDueAt } } }`, map[string]any{"id": id}, &out)
			return out.Node.SLAPolicy.ID, out.Node.FirstResponseDueAt
		}
		vipTicket, plain := open(acme), open(other)
		if p, due := policyOf(vipTicket); p != vip.CreateSLAPolicy.ID || !sameTime(due, friday1630.Add(15*time.Minute)) {
			t.Fatalf("ACME's HIGH ticket: policy %s due %v, want VIP (24×7) due 16:45", p, due)
		}
		if p, due := policyOf(plain); p != w.policy || !sameTime(due, hcmTime(t, "2026-11-30 09:30")) {
			t.Fatalf("another customer's ticket: policy %s due %v, want the default", p, due)
		}

		// An explicit policy stays when the priority changes.
		w.admin.Must(t, `mutation($id: ID!, $p: ID) { setTicketSLAPolicy(id: $id, policyID: $p) { id } }`,
			map[string]any{"id": vipTicket, "p": w.policy}, nil)
		w.admin.Must(t, `mutation($id: ID!) { updateTicket(id: $id, input: {priority: URGENT}) { id } }`, map[string]any{"id": vipTicket}, nil)
		if p, due := policyOf(vipTicket); p != w.policy || !sameTime(due, hcmTime(t, "2026-11-30 08:30")) {
			t.Fatalf("explicit policy: %s due %v, want the default, due Monday 08:30 (URGENT, 60 min)", p, due)
		}

		var preview struct {
			SLAPreview struct {
				Timezone           string
				FirstResponseDueAt *time.Time
				ResolutionDueAt    *time.Time
			}
		}
		w.admin.Must(t, `query($p: ID!, $f: Time!) { slaPreview(policyID: $p, priority: HIGH, from: $f) { timezone firstResponseDueAt resolutionDueAt } }`,
			map[string]any{"p": w.policy, "f": friday1630}, &preview)
		if pv := preview.SLAPreview; pv.Timezone != "Asia/Ho_Chi_Minh" || !sameTime(pv.FirstResponseDueAt, hcmTime(t, "2026-11-30 09:30")) ||
			!sameTime(pv.ResolutionDueAt, hcmTime(t, "2026-11-30 16:30")) {
			t.Fatalf("preview %+v", pv)
		}

		// Tightening the policy moves the open ticket's due time.
		w.admin.Must(t, `mutation($p: ID!) { updateSLAPolicy(id: $p, input: {targets: [
			{priority: HIGH, firstResponseMinutes: 60, resolutionMinutes: 480},
			{priority: URGENT, firstResponseMinutes: 30}]}) { id } }`, map[string]any{"p": w.policy}, nil)
		w.recompute(t)
		if _, due := policyOf(plain); !sameTime(due, hcmTime(t, "2026-11-30 08:30")) {
			t.Fatalf("after the update, first response due %v, want Monday 08:30", due)
		}
		var cal struct {
			Node struct{ Calendar struct{ ID string } }
		}
		w.admin.Must(t, `query($p: ID!) { node(id: $p) { ... on SLAPolicy { calendar { id } } } }`, map[string]any{"p": w.policy}, &cal)
		w.admin.MustFail(t, "CONFLICT", `mutation($c: ID!) { deleteBusinessCalendar(id: $c) }`, map[string]any{"c": cal.Node.Calendar.ID})
		// Opening on Monday at 07:00 instead moves the due time an hour
		// earlier.
		w.admin.Must(t, `mutation($c: ID!) { updateBusinessCalendar(id: $c, input: {weeklyHours: [
			{weekday: "MONDAY", start: "07:00", end: "12:00"}, {weekday: "FRIDAY", start: "08:00", end: "17:00"}]}) { id } }`,
			map[string]any{"c": cal.Node.Calendar.ID}, nil)
		w.recompute(t)
		if _, due := policyOf(plain); !sameTime(due, hcmTime(t, "2026-11-30 07:30")) {
			t.Fatalf("after the calendar update, first response due %v, want Monday 07:30", due)
		}
		w.admin.MustFail(t, "BAD_USER_INPUT", `mutation($c: ID!) { updateBusinessCalendar(id: $c, input: {timezone: "Mars/Olympus"}) { id } }`,
			map[string]any{"c": cal.Node.Calendar.ID})

		// Retiring: the policy is in use, so it is made inactive.
		var del struct{ DeleteSLAPolicy struct{ Retired bool } }
		w.admin.Must(t, `mutation($p: ID!) { deleteSLAPolicy(id: $p) { retired } }`, map[string]any{"p": w.policy}, &del)
		var unused struct{ CreateSLAPolicy struct{ ID string } }
		w.admin.Must(t, `mutation { createSLAPolicy(input: {name: "Unused", targets: [{priority: LOW, resolutionMinutes: 60}]}) { id } }`, nil, &unused)
		var gone struct{ DeleteSLAPolicy struct{ Retired bool } }
		w.admin.Must(t, `mutation($p: ID!) { deleteSLAPolicy(id: $p) { retired } }`, map[string]any{"p": unused.CreateSLAPolicy.ID}, &gone)
		var active struct {
			Node struct{ Active, IsDefault bool }
		}
		w.admin.Must(t, `query($p: ID!) { node(id: $p) { ... on SLAPolicy { active isDefault } } }`, map[string]any{"p": w.policy}, &active)
		if !del.DeleteSLAPolicy.Retired || gone.DeleteSLAPolicy.Retired || active.Node.Active || active.Node.IsDefault {
			t.Fatalf("delete: in use retired=%v (active %v default %v), unused retired=%v",
				del.DeleteSLAPolicy.Retired, active.Node.Active, active.Node.IsDefault, gone.DeleteSLAPolicy.Retired)
		}
		// A new ticket no longer gets the retired policy, and the open
		// tickets have theirs chosen again: the one that took the default
		// by the conditions has none now, the explicit choice stays.
		w.recompute(t)
		if p, _ := policyOf(plain); p != "" {
			t.Fatalf("an open ticket kept the retired policy %q", p)
		}
		if p, _ := policyOf(vipTicket); p != w.policy {
			t.Fatalf("the explicitly chosen policy became %q", p)
		}
		if p, _ := policyOf(open(other)); p != "" {
			t.Fatalf("a new ticket got policy %q after the default was retired", p)
		}

		// Only administrators configure; customers' tokens see no preview
		// (see TestSLAPolicyChoiceAndPreviewByRole for who may choose a
		// ticket's policy and preview).
		var login struct{ Login struct{ Token string } }
		w.admin.Must(t, `mutation { login(email: "alice@example.com", password: "`+adminPassword+`") { token } }`, nil, &login)
		alice := &gqltest.Client{URL: w.url, Token: login.Login.Token}
		alice.MustFail(t, "FORBIDDEN", `mutation($p: ID!) { updateSLAPolicy(id: $p, input: {name: "Mine"}) { id } }`, map[string]any{"p": vip.CreateSLAPolicy.ID})
		alice.MustFail(t, "FORBIDDEN", `mutation($p: ID!) { deleteSLAPolicy(id: $p) { retired } }`, map[string]any{"p": vip.CreateSLAPolicy.ID})
		customer.MustFail(t, "FORBIDDEN", `query($p: ID!, $f: Time!) { slaPreview(policyID: $p, priority: HIGH, from: $f) { timezone } }`,
			map[string]any{"p": w.policy, "f": friday1630})
		// Alice may not read the VIP ticket (not hers, not in her team),
		// so she learns nothing of its SLA either.
		alice.MustFail(t, "NOT_FOUND", `query($id: ID!) { node(id: $id) { ... on Ticket { slaState slaTimeline { dueAt } } } }`, map[string]any{"id": vipTicket})
		var seen struct {
			Tickets struct{ TotalCount int }
		}
		alice.Must(t, `{ tickets(where: {slaStateNEQ: NONE}) { totalCount } }`, nil, &seen)
		if seen.Tickets.TotalCount != 0 {
			t.Fatalf("Alice counts %d tickets by SLA state, want 0 (none is hers or her team's)", seen.Tickets.TotalCount)
		}
	})
}

// offsetClock is the real time moved by an offset the test sets.
type offsetClock struct{ offset atomic.Int64 }

func (c *offsetClock) Now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

// A timer that fell due while no process was running fires once when one
// starts: its breach is recorded and notified exactly once, however the
// reminder, warning and breach jobs are ordered.
func TestSLATimerDueWhileStoppedFiresOnceAfterStart(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, dial string) {
		ctx := auth.WithViewer(context.Background(), auth.System)
		clock := &offsetClock{}
		clock.offset.Store(int64(-3 * time.Hour))
		w := newSLAWorld(t, dial, clock.Now)
		w.admin.Must(t, `mutation { createSLAPolicy(input: {name: "Around the clock", position: 1, conditions: {priorities: [URGENT]},
			targets: [{priority: URGENT, firstResponseMinutes: 60}]}) { id } }`, nil, nil)
		id := w.createTicket(t, "URGENT")
		if n := len(w.timers(t)); n != 1 {
			t.Fatalf("%d timers, want 1 (the first level; each enqueues the next)", n)
		}
		w.app.Close() // never started: the timers wait in the database

		clock.offset.Store(0) // three hours later, all of them are due
		second := newSLAApp(t, w.app.DB, clock.Now)
		if err := second.Start(ctx); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			var pending int
			if err := second.DB.SQL.QueryRow(`SELECT count(*) FROM river_job WHERE kind = 'sla_timer' AND state <> 'completed'`).Scan(&pending); err != nil {
				t.Fatal(err)
			}
			if pending == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d SLA timers still pending 30 s after start", pending)
			}
			time.Sleep(100 * time.Millisecond)
		}
		breaches, err := second.DB.Client.TicketEvent.Query().
			Where(ticketevent.TicketID(gid.ID(id)), ticketevent.KindEQ(ticketevent.KindSLA_BREACHED)).Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		told, err := second.DB.Client.Notification.Query().
			Where(notification.RecipientID(w.alice), notification.KindEQ(notification.KindSLA_BREACHED)).Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if breaches != 1 || told != 1 {
			t.Fatalf("%d breach events and %d breach notifications for Alice, want 1 and 1", breaches, told)
		}

		// Live queues see the SLA events like any other change: a
		// subscriber resuming after the ticket's creation receives them.
		e := serveApp(t, second)
		var created struct {
			Node struct {
				Events struct {
					Edges []struct{ Node struct{ Cursor string } }
				}
			}
		}
		e.admin.Must(t, `query($id: ID!) { node(id: $id) { ... on Ticket { events(first: 1) { edges { node { cursor } } } } } }`,
			map[string]any{"id": id}, &created)
		s := gqltest.Connect(t, e.admin.URL, gqltest.TransportWS, e.admin.Token)
		s.Subscribe(t, "q", queueSubscription, map[string]any{"where": map[string]any{"id": id}, "after": created.Node.Events.Edges[0].Node.Cursor})
		var kinds []string
		for !slices.Contains(kinds, "SLA_BREACHED") {
			if len(kinds) > 20 {
				t.Fatalf("no SLA_BREACHED among the delivered events %v", kinds)
			}
			d := next(t, s, "q")
			if d.TicketEvents.Kind != nil {
				kinds = append(kinds, *d.TicketEvents.Kind)
			}
		}
	})
}
