package server_test

import (
	"testing"

	entsql "entgo.io/ent/dialect/sql"

	"helpdesk/ent"
	"helpdesk/internal/gqltest"
	"helpdesk/internal/store"
	"helpdesk/internal/testdb"
)

// TestLiveQueueKeepsItsCount follows one team's live queue as several
// viewers (administrator, manager, the team's lead, plain agents, one of
// them on several sockets) while a script moves tickets in and out of it
// every way a ticket enters or leaves a viewer's queue: created in it,
// assigned away, watched, unwatched, mentioned, moved to another team and
// back, closed. After each step every subscriber receives what its queue
// went through (ENTERED, CHANGED, LEFT or nothing, as the queue read
// before and after the step says), with a totalCount equal to the
// tickets(where:) totalCount the viewer reads; and no queue is counted
// for it: the count is kept from the queue's membership. More
// subscribers of the same queue cost no statement more.
func TestLiveQueueKeepsItsCount(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, dial string) {
		db := testdb.Open(t, dial)
		counter := &queueDriver{Driver: entsql.OpenDB(db.Dialect, db.SQL)}
		o := newOrgOn(t, &store.DB{Client: ent.NewClient(ent.Driver(counter)), SQL: db.SQL, Dialect: db.Dialect, DSN: db.DSN})
		startApp(t, o.app)
		cus := o.newCustomer(t, "Count Customer", "count@example.com")
		where := map[string]any{"teamID": o.teams["A"]}
		// Tickets already there: the counts do not start at zero.
		o.openTicket(t, cus, "A", "LOW")
		o.openTicket(t, cus, "B", "LOW")
		sentinel := o.openTicket(t, cus, "A", "HIGH")
		// An agent of no team reads the sentinel as its watcher.
		o.update(t, sentinel, map[string]any{"addWatcherIDs": []string{string(o.agents["loner"])}})

		var subs []queueSub
		subscribe := func(names ...string) {
			t.Helper()
			after := o.latestCursor(t, sentinel)
			old := len(subs)
			for _, name := range names {
				q := queueSub{name: name, where: where, s: gqltest.Connect(t, o.url, gqltest.TransportWS, o.clients[name].Token)}
				q.s.Subscribe(t, "q", queueSubscription, map[string]any{"where": where, "after": after})
				subs = append(subs, q)
			}
			// Every subscription delivers a comment on the sentinel: all
			// are live.
			o.addComment(t, sentinel, "are you there?", "PUBLIC")
			for i, q := range subs {
				d := next(t, q.s, "q")
				// New subscriptions first replay the other tickets' events
				// since the cursor.
				for i >= old && d.TicketEvents.TicketID != sentinel {
					d = next(t, q.s, "q")
				}
				expect(t, d, "CHANGED", sentinel)
			}
		}
		// queue reads what a viewer's queue holds now: its count and
		// whether ticket id is in it.
		queue := func(name, id string) (total int, in bool) {
			t.Helper()
			var res struct {
				Tickets struct{ TotalCount int }
				Mine    struct {
					Edges []struct{ Node struct{ ID string } }
				}
			}
			o.clients[name].Must(t, `query($where: TicketWhereInput, $mine: TicketWhereInput) {
				tickets(where: $where, first: 1) { totalCount }
				mine: tickets(where: $mine, first: 1) { edges { node { id } } } }`,
				map[string]any{"where": where, "mine": map[string]any{"and": []any{where, map[string]any{"id": id}}}}, &res)
			return res.Tickets.TotalCount, len(res.Mine.Edges) == 1
		}
		// step runs change on the ticket id names (once it exists) and
		// checks every subscriber's delivery.
		step := func(what string, id func() string, change func()) {
			t.Helper()
			before := make([]bool, len(subs))
			if id() != "" {
				for i, q := range subs {
					_, before[i] = queue(q.name, id())
				}
			}
			counter.since()
			change()
			// Every subscriber hears of the sentinel after the step: one
			// that received nothing of the step has nothing pending.
			o.addComment(t, sentinel, "and now?", "PUBLIC")
			// A subscriber may receive more than one event of the ticket:
			// the change's, and one its creation's reactions recorded
			// before but evaluated after it (as of the moment handled).
			got := make([][]delivery, len(subs))
			for i, q := range subs {
				d := next(t, q.s, "q")
				for d.TicketEvents.TicketID == id() {
					got[i] = append(got[i], d)
					d = next(t, q.s, "q")
				}
				expect(t, d, "CHANGED", sentinel)
			}
			if _, counts := counter.since(); counts != 0 {
				t.Fatalf("%s: the queues were counted %d times, want their counts kept", what, counts)
			}
			for i, q := range subs {
				total, after := queue(q.name, id())
				changes := make([]string, len(got[i]))
				for k, d := range got[i] {
					changes[k] = d.TicketEvents.QueueChange
				}
				if !before[i] && !after {
					if len(got[i]) > 0 {
						t.Fatalf("%s: subscriber %d (%s) received %v, want nothing", what, i, q.name, changes)
					}
					continue
				}
				if len(got[i]) == 0 {
					t.Fatalf("%s: subscriber %d (%s) received nothing (in the queue before: %v, after: %v)", what, i, q.name, before[i], after)
				}
				first, last := changes[0], got[i][len(got[i])-1].TicketEvents
				if (first == "ENTERED") == before[i] || (last.QueueChange == "LEFT") == after {
					t.Fatalf("%s: subscriber %d (%s) received %v; in the queue before: %v, after: %v", what, i, q.name, changes, before[i], after)
				}
				if last.TotalCount != total {
					t.Fatalf("%s: subscriber %d (%s) totalCount %d, tickets(where:) counts %d", what, i, q.name, last.TotalCount, total)
				}
			}
		}

		subscribe("admin", "manager", "leadA", "agentA", "agentA", "agentAB", "loner")
		var id string
		ticket := func() string { return id }
		step("created in the queue", ticket, func() { id = o.openTicket(t, cus, "A", "HIGH") })
		step("assigned to another agent", ticket, func() { o.update(t, id, map[string]any{"assigneeID": o.agents["agentAB"]}) })
		step("watched", ticket, func() { o.update(t, id, map[string]any{"addWatcherIDs": []string{string(o.agents["agentA"])}}) })
		step("unwatched", ticket, func() { o.update(t, id, map[string]any{"removeWatcherIDs": []string{string(o.agents["agentA"])}}) })
		step("a mention", ticket, func() {
			o.mutate(t, `mutation($in: AddCommentInput!) { addComment(input: $in) { id } }`, map[string]any{"in": map[string]any{
				"ticketID": id, "body": "have a look", "visibility": "INTERNAL", "mentionIDs": []string{string(o.agents["loner"])}}}, nil)
		})
		step("moved to another team", ticket, func() { o.update(t, id, map[string]any{"teamID": o.teams["B"]}) })
		step("moved back, unassigned", ticket, func() { o.update(t, id, map[string]any{"teamID": o.teams["A"], "clearAssignee": true}) })
		step("reprioritised", ticket, func() { o.update(t, id, map[string]any{"priority": "LOW"}) })
		other := o.openTicket(t, cus, "B", "LOW")
		step("moved in from another team", func() string { return other }, func() { o.update(t, other, map[string]any{"teamID": o.teams["A"]}) })

		// A change every subscriber hears of costs one evaluation of the
		// filter the five distinct queues follow (administrator and
		// manager share their queue; each agent has its own, whose scope
		// is decided in memory) and no count, however many sockets follow
		// each queue.
		evaluations := func() int {
			t.Helper()
			counter.since()
			o.addComment(t, id, "one more thing", "PUBLIC")
			for _, q := range subs {
				expect(t, next(t, q.s, "q"), "CHANGED", id)
			}
			filters, counts := counter.since()
			if counts != 0 {
				t.Fatalf("%d subscribers: the queues were counted %d times for a change, want their counts kept", len(subs), counts)
			}
			return filters
		}
		if n := evaluations(); n != 1 {
			t.Fatalf("%d filter evaluations for a change heard on 5 distinct queues of one filter, want 1", n)
		}
		subscribe("agentA", "agentA", "agentA", "agentA", "agentA", "agentA")
		if n := evaluations(); n != 1 {
			t.Fatalf("%d subscribers: %d filter evaluations for a change heard on 5 distinct queues of one filter, want 1", len(subs), n)
		}
	})
}
