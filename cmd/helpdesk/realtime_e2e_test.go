package main_test

import (
	"testing"

	"entgo.io/ent/dialect"

	"helpdesk/internal/gqltest"
	"helpdesk/internal/testdb"
)

// TestSubscriptionsEndToEnd subscribes over a websocket to the real
// binary and receives the tickets created over HTTP; on PostgreSQL, a
// second process on the same database receives them too.
func TestSubscriptionsEndToEnd(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, dial string) {
		env := append(databaseEnv(t, dial), "HELPDESK_DEMO=false",
			"HELPDESK_ADMIN_EMAIL=root@example.com", "HELPDESK_ADMIN_PASSWORD=root-password")
		p := start(t, env...)
		c := login(t, p.client(), "root@example.com", "root-password")
		urls := []string{p.client().URL}
		if dial == dialect.Postgres {
			// Same database and token key file: a second replica.
			urls = append(urls, start(t, env...).client().URL)
		}
		const sub = `subscription($after: Cursor) { ticketEvents(after: $after) { id kind queueChange totalCount cursor ticket { id title } } }`
		var customer struct{ CreateCustomer struct{ ID string } }
		c.Must(t, `mutation { createCustomer(input: {name: "Live", email: "live@example.com"}) { id } }`, nil, &customer)
		// A first ticket: subscriptions resume after its creation, and a
		// comment on it tells when they are live.
		var first struct {
			CreateTicket struct {
				ID     string
				Events struct {
					Edges []struct{ Node struct{ Cursor string } }
				}
			}
		}
		c.Must(t, `mutation($c: ID!) { createTicket(input: {title: "First", channel: EMAIL, customerID: $c}) {
				id events(first: 1) { edges { node { cursor } } } } }`, map[string]any{"c": customer.CreateCustomer.ID}, &first)
		var sockets []*gqltest.Socket
		for _, u := range urls {
			s := gqltest.Connect(t, u, gqltest.TransportWS, c.Token)
			s.Subscribe(t, "q", sub, map[string]any{"after": first.CreateTicket.Events.Edges[0].Node.Cursor})
			sockets = append(sockets, s)
		}
		c.Must(t, `mutation($t: ID!) { addComment(input: {ticketID: $t, body: "live?"}) { id } }`, map[string]any{"t": first.CreateTicket.ID}, nil)
		for i, s := range sockets {
			var d struct {
				TicketEvents struct{ Ticket struct{ ID string } }
			}
			if s.Next(t, "q", &d); d.TicketEvents.Ticket.ID != first.CreateTicket.ID {
				t.Fatalf("process %d: first delivery about %s, want the comment on %s", i, d.TicketEvents.Ticket.ID, first.CreateTicket.ID)
			}
		}
		var tk struct{ CreateTicket struct{ ID string } }
		c.Must(t, `mutation($c: ID!) { createTicket(input: {title: "Live one", channel: EMAIL, customerID: $c}) { id } }`,
			map[string]any{"c": customer.CreateCustomer.ID}, &tk)
		for i, s := range sockets {
			var d struct {
				TicketEvents struct {
					ID, Kind, QueueChange, Cursor string
					TotalCount                    int
					Ticket                        struct{ ID, Title string }
				}
			}
			s.Next(t, "q", &d)
			if e := d.TicketEvents; e.QueueChange != "ENTERED" || e.Kind != "CREATED" || e.Ticket.ID != tk.CreateTicket.ID ||
				e.Ticket.Title != "Live one" || e.TotalCount != 2 || e.ID == "" || e.Cursor == "" {
				t.Fatalf("process %d delivered %+v", i, d.TicketEvents)
			}
		}
	})
}
