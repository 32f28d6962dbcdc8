package server_test

import (
	"testing"

	"helpdesk/ent"
	"helpdesk/ent/comment"
	"helpdesk/ent/predicate"
	"helpdesk/internal/auth"
	"helpdesk/internal/authz"
	"helpdesk/internal/gid"
	"helpdesk/internal/testdb"
	"helpdesk/internal/ticketing"
)

// TestLiveQueueReadDecisionMatchesScope checks that the decision live
// queues take in memory (authz.CanReadTicket and CanReadTicketHistory
// over authz.ReadTicketFacts) gives, for every ticket and every kind of
// viewer, exactly what the SQL read scopes give (TicketScope for tickets,
// TicketEventScope for their events): administrator, manager, team lead,
// team members, an agent of another team, an agent who only watches or is
// mentioned, customers' tokens and integration tokens with and without a
// ticket scope. A mismatch would deliver a ticket to someone who may not
// read it, or hide one from someone who may.
func TestLiveQueueReadDecisionMatchesScope(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, dial string) {
		o := newOrg(t, dial)
		ctx := sys()
		o.seed(t, 100)
		customers := o.seedVaried(t, 100)
		// The cases the rules tell apart, made certain: the loner (in no
		// team) watches one ticket and is mentioned on another; a
		// customer's internal ticket.
		watched := o.createTicket(t, ticketing.CreateTicketInput{Title: "watched", CustomerID: &customers[0],
			TeamID: ptr(o.teams["C"]), WatcherIDs: []gid.ID{o.agents["loner"]}})
		mentioned := o.createTicket(t, ticketing.CreateTicketInput{Title: "mentioned", CustomerID: &customers[1],
			TeamID: ptr(o.teams["B"]), AssigneeID: ptr(o.agents["agentAB"])})
		if _, err := o.app.Tickets.AddComment(ctx, ticketing.AddCommentInput{TicketID: mentioned, Body: "have a look",
			Visibility: comment.VisibilityINTERNAL, MentionIDs: []gid.ID{o.agents["loner"]}}); err != nil {
			t.Fatal(err)
		}
		internal := o.createTicket(t, ticketing.CreateTicketInput{Title: "staff only", CustomerID: &customers[0], Internal: ptr(true)})

		viewers := map[string]auth.Viewer{}
		for name, c := range o.clients {
			v, err := o.app.Auth.Authenticate(ctx, c.Token)
			if err != nil {
				t.Fatal(err)
			}
			viewers[name] = v
		}
		for name, in := range map[string]auth.CreateAPITokenInput{
			"customer0":        {Name: "portal 0", CustomerID: &customers[0]},
			"customer1":        {Name: "portal 1", CustomerID: &customers[1]},
			"integration":      {Name: "crm", Scopes: []string{"TICKETS_READ"}},
			"integrationWrite": {Name: "shop", Scopes: []string{"TICKETS_WRITE", "AGENTS_READ"}},
			"integrationNone":  {Name: "contacts", Scopes: []string{"CUSTOMERS_READ"}},
		} {
			p, err := o.app.Auth.CreateAPIToken(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if viewers[name], err = o.app.Auth.Authenticate(ctx, p.Token); err != nil {
				t.Fatal(err)
			}
		}
		viewers["system"] = auth.System

		client := o.app.DB.Client
		tickets, err := client.Ticket.Query().All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		facts, err := authz.ReadTicketFacts(ctx, client, o.app.DB.Dialect, tickets)
		if err != nil {
			t.Fatal(err)
		}
		eventTickets, err := client.TicketEvent.Query().Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for name, v := range viewers {
			byScope := scopedTickets(t, client, o.app.Authz.TicketScope(v))
			historyByScope := map[gid.ID]bool{}
			q := client.TicketEvent.Query()
			if p := o.app.Authz.TicketEventScope(v); p != nil {
				q.Where(p)
			}
			evs, err := q.All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range evs {
				historyByScope[ev.TicketID] = true
			}
			reads := 0
			for _, tk := range tickets {
				f := facts[tk.ID]
				if f == nil {
					t.Fatalf("no facts read for ticket %s", tk.ID)
				}
				ok, err := o.app.Authz.CanReadTicket(v, f)
				if err != nil {
					t.Fatal(err)
				}
				if ok != byScope[tk.ID] {
					t.Fatalf("%s, ticket %s (assignee %v, team %v, customer %v, internal %v, watchers %v, mentioned %v): in memory %v, TicketScope %v",
						name, tk.ID, tk.AssigneeID, tk.TeamID, tk.CustomerID, tk.Internal, f.Watchers, f.Mentioned, ok, byScope[tk.ID])
				}
				if ok {
					reads++
				}
				history, err := o.app.Authz.CanReadTicketHistory(v, f)
				if err != nil {
					t.Fatal(err)
				}
				if history != historyByScope[tk.ID] {
					t.Fatalf("%s, events of ticket %s: in memory %v, TicketEventScope %v", name, tk.ID, history, historyByScope[tk.ID])
				}
			}
			t.Logf("%s reads %d of %d tickets", name, reads, len(tickets))
		}
		if eventTickets == 0 {
			t.Fatal("the generated tickets have no events")
		}
		// The data set holds the cases that tell the rules apart.
		must := func(name string, id gid.ID, want bool) {
			t.Helper()
			ok, err := o.app.Authz.CanReadTicket(viewers[name], facts[id])
			if err != nil || ok != want {
				t.Fatalf("%s reads ticket %s: %v (%v), want %v", name, id, ok, err, want)
			}
		}
		must("loner", watched, true)
		must("loner", mentioned, true)
		must("agentA", watched, false)
		must("agentA", mentioned, false)
		must("customer0", watched, true)
		must("customer0", internal, false)
		must("customer1", watched, false)
		must("integrationNone", watched, false)
		must("integration", internal, true)
	})
}

// scopedTickets returns the tickets a read scope (nil: every ticket)
// selects, read as the system.
func scopedTickets(t *testing.T, client *ent.Client, scope predicate.Ticket) map[gid.ID]bool {
	t.Helper()
	q := client.Ticket.Query()
	if scope != nil {
		q.Where(scope)
	}
	ids, err := q.IDs(sys())
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[gid.ID]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out
}
