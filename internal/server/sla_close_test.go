package server_test

import (
	"testing"

	"helpdesk/internal/testdb"
)

// Resolving a ticket that never got a reply stops its FIRST_RESPONSE
// clock: in time, it ends neither met nor breached (the ticket is MET by
// its resolution); past the due time, it ends breached at the due time
// even when no timer announced it, and the ticket is BREACHED. A clock
// met late is breached the same way. Due times stay as they were. A
// resolved ticket that a policy starts measuring owes nothing either.
func TestSLAClocksClosedByResolving(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, dial string) {
		clock := &fakeClock{now: friday1630}
		w := newSLAWorld(t, dial, clock.Now)
		inTime, late := w.createTicket(t, "HIGH"), w.createTicket(t, "HIGH")
		frDue := hcmTime(t, "2026-11-30 09:30")

		clock.now = hcmTime(t, "2026-11-30 09:00")
		w.setStatus(t, inTime, "RESOLVED")
		clock.now = hcmTime(t, "2026-11-30 10:00")
		w.setStatus(t, late, "RESOLVED")

		tk := w.ticket(t, inTime)
		fr, res := tk.SLATimeline[0], tk.SLATimeline[1]
		if fr.Metric != "FIRST_RESPONSE" || fr.MetAt != nil || fr.BreachedAt != nil || fr.State != "NONE" ||
			!sameTime(fr.DueAt, frDue) || fr.RemainingSeconds != nil {
			t.Fatalf("first response of the ticket resolved in time: %+v, want neither met nor breached, due %v", fr, frDue)
		}
		if res.State != "MET" || tk.SLAState != "MET" {
			t.Fatalf("resolved in time: resolution %s, ticket %s; want MET and MET", res.State, tk.SLAState)
		}

		tk = w.ticket(t, late)
		fr = tk.SLATimeline[0]
		if fr.MetAt != nil || !sameTime(fr.BreachedAt, frDue) || fr.State != "BREACHED" || !sameTime(fr.DueAt, frDue) || tk.SLAState != "BREACHED" {
			t.Fatalf("first response of the ticket resolved late: %+v (ticket %s), want breached at %v", fr, tk.SLAState, frDue)
		}
		if res := tk.SLATimeline[1]; res.State != "MET" || res.BreachedAt != nil {
			t.Fatalf("resolution of the ticket resolved before its due time: %+v", res)
		}
		if kinds := w.eventKinds(t, late); count(kinds, "SLA_BREACHED") != 0 {
			t.Fatalf("events %v: a breach found on closing is not announced", kinds)
		}

		// A policy that starts measuring LOW tickets finds the resolved
		// LOW ticket done: its resolution met when it was resolved, its
		// first response stopped, no timer running.
		low := w.createTicket(t, "LOW")
		w.setStatus(t, low, "RESOLVED")
		timers := len(w.timers(t))
		clock.now = hcmTime(t, "2026-11-30 10:30")
		w.admin.Must(t, `mutation($p: ID!) { updateSLAPolicy(id: $p, input: {targets: [
			{priority: HIGH, firstResponseMinutes: 120, resolutionMinutes: 480},
			{priority: LOW, firstResponseMinutes: 600, resolutionMinutes: 2400}]}) { id } }`, map[string]any{"p": w.policy}, nil)
		w.recompute(t)
		tk = w.ticket(t, low)
		if len(tk.SLATimeline) != 2 || tk.SLATimeline[0].State != "NONE" || tk.SLATimeline[0].RemainingSeconds != nil ||
			tk.SLATimeline[1].State != "MET" || tk.SLAState != "MET" {
			t.Fatalf("resolved LOW ticket under the new targets: %s, %+v; want a stopped first response and a met resolution", tk.SLAState, tk.SLATimeline)
		}
		if n := len(w.timers(t)); n != timers {
			t.Fatalf("%d timers after the update, want %d: a resolved ticket runs none", n, timers)
		}
	})
}
