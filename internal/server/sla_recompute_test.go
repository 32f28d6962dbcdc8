package server_test

import (
	"context"
	"testing"
	"time"

	"helpdesk/ent/ticket"
	"helpdesk/ent/ticketevent"
	"helpdesk/internal/auth"
	"helpdesk/internal/gid"
	"helpdesk/internal/server"
	"helpdesk/internal/testdb"
)

// Changing a policy's conditions chooses the policy of the open tickets
// again, in jobs of three tickets per transaction: seven tickets take
// three jobs, each ticket that moves records its new policy (so live
// views see it) and gets due times from the new policy, and the ticket
// whose policy was chosen explicitly keeps it. Creating a policy whose
// conditions match does the same.
func TestSLAPolicyChangeReselectsOpenTicketsInBatches(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, dial string) {
		clock := &fakeClock{now: friday1630}
		w := newSLAWorldOn(t, testdb.Open(t, dial), clock.Now, func(o *server.Options) { o.SLARecomputeBatch = 3 })
		var fast struct{ CreateSLAPolicy struct{ ID string } }
		w.admin.Must(t, `mutation { createSLAPolicy(input: {name: "Fast", position: 1, conditions: {priorities: [URGENT]},
			targets: [{priority: HIGH, firstResponseMinutes: 15}]}) { id } }`, nil, &fast)
		var ids []string
		for range 7 {
			ids = append(ids, w.createTicket(t, "HIGH"))
		}
		explicit := ids[3]
		w.admin.Must(t, `mutation($id: ID!, $p: ID) { setTicketSLAPolicy(id: $id, policyID: $p) { id } }`,
			map[string]any{"id": explicit, "p": w.policy}, nil)
		w.recompute(t)
		before := w.recomputeJobs(t)

		w.admin.Must(t, `mutation($p: ID!) { updateSLAPolicy(id: $p, input: {conditions: {priorities: [HIGH]}}) { id } }`,
			map[string]any{"p": fast.CreateSLAPolicy.ID}, nil)
		w.recompute(t)
		if n := w.recomputeJobs(t) - before; n != 3 {
			t.Fatalf("%d recompute jobs ran for 7 tickets in batches of 3, want 3", n)
		}
		ctx := auth.WithViewer(context.Background(), auth.System)
		for _, id := range ids {
			tk, err := w.app.DB.Client.Ticket.Get(ctx, gid.ID(id))
			if err != nil {
				t.Fatal(err)
			}
			policyEvents := w.policyChanges(t, id)
			if id == explicit {
				if tk.SLAPolicyID == nil || string(*tk.SLAPolicyID) != w.policy || policyEvents != 0 {
					t.Fatalf("the explicit ticket has policy %v after %d changes, want the default it was given", tk.SLAPolicyID, policyEvents)
				}
				continue
			}
			if tk.SLAPolicyID == nil || string(*tk.SLAPolicyID) != fast.CreateSLAPolicy.ID || policyEvents != 1 {
				t.Fatalf("ticket %s has policy %v after %d recorded policy changes, want Fast after 1", id, tk.SLAPolicyID, policyEvents)
			}
			if due := tk.FirstResponseDueAt; !sameTime(due, friday1630.Add(15*time.Minute)) || tk.SLAState != ticket.SLAStateON_TRACK {
				t.Fatalf("ticket %s: first response due %v (%s), want 16:45 around the clock", id, due, tk.SLAState)
			}
		}

		// A new policy whose conditions match, tried first, takes them over.
		var first struct{ CreateSLAPolicy struct{ ID string } }
		w.admin.Must(t, `mutation { createSLAPolicy(input: {name: "First", position: 0, conditions: {channels: ["PHONE"]},
			targets: [{priority: HIGH, firstResponseMinutes: 5}]}) { id } }`, nil, &first)
		w.recompute(t)
		for _, id := range ids {
			tk, err := w.app.DB.Client.Ticket.Get(ctx, gid.ID(id))
			if err != nil {
				t.Fatal(err)
			}
			if id != explicit && (tk.SLAPolicyID == nil || string(*tk.SLAPolicyID) != first.CreateSLAPolicy.ID ||
				!sameTime(tk.FirstResponseDueAt, friday1630.Add(5*time.Minute))) {
				t.Fatalf("ticket %s has policy %v due %v after a matching policy was created, want First due 16:35",
					id, tk.SLAPolicyID, tk.FirstResponseDueAt)
			}
		}
	})
}

// The FIRST_ASSIGNMENT clock is met at the ticket's first_assigned_at,
// however it comes about: a policy that starts tracking it after the
// ticket was assigned and handed back finds it met then, not open.
func TestSLAFirstAssignmentIsMetAtFirstAssignedAt(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, dial string) {
		clock := &fakeClock{now: friday1630}
		w := newSLAWorld(t, dial, clock.Now)
		var created struct{ CreateTicket struct{ ID string } }
		w.admin.Must(t, `mutation($team: ID!) { createTicket(input: {title: "Queued", channel: PHONE, internal: true, teamID: $team,
			priority: HIGH}) { id } }`, map[string]any{"team": w.support}, &created)
		id := created.CreateTicket.ID
		assign := `mutation($id: ID!, $a: ID) { assignTicket(id: $id, assigneeID: $a) { id } }`
		clock.Advance(10 * time.Minute)
		w.admin.Must(t, assign, map[string]any{"id": id, "a": w.alice}, nil)
		clock.Advance(5 * time.Minute)
		w.admin.Must(t, assign, map[string]any{"id": id, "a": nil}, nil)
		clock.Advance(5 * time.Minute)
		w.admin.Must(t, `mutation($p: ID!) { updateSLAPolicy(id: $p, input: {targets: [
			{priority: HIGH, firstAssignmentMinutes: 30, firstResponseMinutes: 120, resolutionMinutes: 480}]}) { id } }`,
			map[string]any{"p": w.policy}, nil)
		w.recompute(t)

		tk, err := w.app.DB.Client.Ticket.Get(auth.WithViewer(context.Background(), auth.System), gid.ID(id))
		if err != nil {
			t.Fatal(err)
		}
		firstAssigned := friday1630.Add(10 * time.Minute)
		if !sameTime(tk.FirstAssignedAt, firstAssigned) {
			t.Fatalf("first assigned at %v, want %v", tk.FirstAssignedAt, firstAssigned)
		}
		got := w.ticket(t, id)
		if len(got.SLATimeline) == 0 || got.SLATimeline[0].Metric != "FIRST_ASSIGNMENT" {
			t.Fatalf("timeline %+v, want FIRST_ASSIGNMENT first", got.SLATimeline)
		}
		if fa := got.SLATimeline[0]; !sameTime(fa.MetAt, firstAssigned) || fa.State != "MET" {
			t.Fatalf("FIRST_ASSIGNMENT met at %v (%s), want at first_assigned_at %v, MET", fa.MetAt, fa.State, firstAssigned)
		}
	})
}

// recomputeJobs counts the recompute jobs that have run.
func (w *slaWorld) recomputeJobs(t *testing.T) int {
	t.Helper()
	var n int
	if err := w.app.DB.SQL.QueryRow(`SELECT count(*) FROM river_job WHERE kind = 'sla_recompute' AND state = 'completed'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// policyChanges counts the recorded changes of a ticket's SLA policy
// after its creation.
func (w *slaWorld) policyChanges(t *testing.T, id string) int {
	t.Helper()
	evs, err := w.app.DB.Client.TicketEvent.Query().
		Where(ticketevent.TicketID(gid.ID(id)), ticketevent.KindNEQ(ticketevent.KindCREATED)).
		All(auth.WithViewer(context.Background(), auth.System))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range evs {
		for _, ch := range ev.Changes {
			if ch.Field == "slaPolicy" {
				n++
			}
		}
	}
	return n
}

// Giving a category a policy has its open tickets that took the default
// choose again: they fall back on the category's policy now.
func TestSLACategoryPolicyChangeReselects(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, dial string) {
		clock := &fakeClock{now: friday1630}
		w := newSLAWorld(t, dial, clock.Now)
		var billing struct{ CreateSLAPolicy struct{ ID string } }
		w.admin.Must(t, `mutation { createSLAPolicy(input: {name: "Billing", targets: [{priority: HIGH, firstResponseMinutes: 10}]}) { id } }`, nil, &billing)
		var cat struct{ CreateCategory struct{ ID string } }
		w.admin.Must(t, `mutation { createCategory(input: {name: "Invoices"}) { id } }`, nil, &cat)
		var created struct{ CreateTicket struct{ ID string } }
		w.admin.Must(t, `mutation($team: ID!, $c: ID!) { createTicket(input: {title: "Double charge", channel: EMAIL, internal: true,
			teamID: $team, categoryID: $c, priority: HIGH}) { id } }`, map[string]any{"team": w.support, "c": cat.CreateCategory.ID}, &created)
		ctx := auth.WithViewer(context.Background(), auth.System)
		policyOf := func() *gid.ID {
			tk, err := w.app.DB.Client.Ticket.Get(ctx, gid.ID(created.CreateTicket.ID))
			if err != nil {
				t.Fatal(err)
			}
			return tk.SLAPolicyID
		}
		if p := policyOf(); p == nil || string(*p) != w.policy {
			t.Fatalf("new ticket policy %v, want the default", p)
		}
		w.admin.Must(t, `mutation($c: ID!, $p: ID!) { updateCategory(id: $c, input: {slaPolicyID: $p}) { id } }`,
			map[string]any{"c": cat.CreateCategory.ID, "p": billing.CreateSLAPolicy.ID}, nil)
		w.recompute(t)
		if p := policyOf(); p == nil || string(*p) != billing.CreateSLAPolicy.ID {
			t.Fatalf("after the category got a policy, the ticket has %v, want Billing", p)
		}
	})
}

// A policy without a calendar measures in the team's: giving the team a
// calendar moves its open tickets' due times into business hours.
func TestSLATeamCalendarChangeRecomputes(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, dial string) {
		clock := &fakeClock{now: friday1630}
		w := newSLAWorld(t, dial, clock.Now)
		var cal struct {
			Node struct{ Calendar struct{ ID string } }
		}
		w.admin.Must(t, `query($p: ID!) { node(id: $p) { ... on SLAPolicy { calendar { id } } } }`, map[string]any{"p": w.policy}, &cal)
		id := w.createTicket(t, "HIGH")
		w.admin.Must(t, `mutation($p: ID!) { updateSLAPolicy(id: $p, input: {clearCalendar: true}) { id } }`, map[string]any{"p": w.policy}, nil)
		w.recompute(t)
		if due := w.ticket(t, id).FirstResponseDueAt; !sameTime(due, friday1630.Add(2*time.Hour)) {
			t.Fatalf("without calendars, first response due %v, want Friday 18:30 (24×7)", due)
		}
		w.admin.Must(t, `mutation($t: ID!, $c: ID!) { updateTeam(id: $t, input: {calendarID: $c}) { id } }`,
			map[string]any{"t": w.support, "c": cal.Node.Calendar.ID}, nil)
		w.recompute(t)
		if due := w.ticket(t, id).FirstResponseDueAt; !sameTime(due, hcmTime(t, "2026-11-30 09:30")) {
			t.Fatalf("in the team's calendar, first response due %v, want Monday 09:30", due)
		}
	})
}
