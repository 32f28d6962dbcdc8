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
	for _, dial := range testdb.Dialects {
		t.Run(dial, func(t *testing.T) {
			env := append(databaseEnv(t, dial), "HELPDESK_DEMO=false",
				"HELPDESK_ADMIN_EMAIL=root@example.com", "HELPDESK_ADMIN_PASSWORD=root-password")
			p := start(t, env...)
			c := login(t, p.client(), "root@example.com", "root-password")
			urls := []string{p.client().URL}
			if dial == dialect.Postgres {
				// Same database and token key file: a second replica.
				urls = append(urls, start(t, env...).client().URL)
			}
			const sub = `subscription { ticketEvents { queueChange ticketID event { kind ticket { title } } } }`
			var sockets []*gqltest.Socket
			for _, u := range urls {
				s := gqltest.Connect(t, u, gqltest.TransportWS, c.Token)
				s.Subscribe(t, "q", sub, nil)
				sockets = append(sockets, s)
			}
			var customer struct{ CreateCustomer struct{ ID string } }
			c.Must(t, `mutation { createCustomer(input: {name: "Live", email: "live@example.com"}) { id } }`, nil, &customer)
			var tk struct{ CreateTicket struct{ ID string } }
			c.Must(t, `mutation($c: ID!) { createTicket(input: {title: "Live one", channel: EMAIL, customerID: $c}) { id } }`,
				map[string]any{"c": customer.CreateCustomer.ID}, &tk)
			for i, s := range sockets {
				var d struct {
					TicketEvents struct {
						QueueChange, TicketID string
						Event                 struct {
							Kind   string
							Ticket struct{ Title string }
						}
					}
				}
				s.Next(t, "q", &d)
				if d.TicketEvents.QueueChange != "ENTERED" || d.TicketEvents.TicketID != tk.CreateTicket.ID || d.TicketEvents.Event.Ticket.Title != "Live one" {
					t.Fatalf("process %d delivered %+v", i, d.TicketEvents)
				}
			}
		})
	}
}
