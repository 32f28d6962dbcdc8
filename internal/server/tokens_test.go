package server_test

import (
	"slices"
	"testing"

	"helpdesk/ent/comment"
	"helpdesk/ent/ticket"
	"helpdesk/internal/directory"
	"helpdesk/internal/gid"
	"helpdesk/internal/gqltest"
	"helpdesk/internal/testdb"
	"helpdesk/internal/ticketing"
)

func (o *org) apiToken(t *testing.T, in map[string]any) (*gqltest.Client, string) {
	t.Helper()
	var out struct {
		CreateAPIToken struct {
			Token    string
			APIToken struct{ ID string }
		}
	}
	o.clients["admin"].Must(t, `mutation($in: CreateAPITokenInput!) { createAPIToken(input: $in) { token apiToken { id } } }`,
		map[string]any{"in": in}, &out)
	return &gqltest.Client{URL: o.url, Token: out.CreateAPIToken.Token}, out.CreateAPIToken.APIToken.ID
}

func TestIntegrationTokens(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		o := newOrg(t, dial)
		o.seed(t, 20)
		o.clients["manager"].MustFail(t, "FORBIDDEN", `mutation { createAPIToken(input: {name: "x", scopes: [TICKETS_READ]}) { token } }`, nil)
		o.clients["admin"].MustFail(t, "BAD_USER_INPUT", `mutation { createAPIToken(input: {name: "x"}) { token } }`, nil)

		reader, readerID := o.apiToken(t, map[string]any{"name": "Dashboard", "scopes": []string{"TICKETS_READ"}})
		var list struct{ Tickets struct{ TotalCount int } }
		reader.Must(t, `{ tickets { totalCount } }`, nil, &list)
		if list.Tickets.TotalCount != 20 {
			t.Fatalf("a TICKETS_READ token sees %d tickets, want 20", list.Tickets.TotalCount)
		}
		customer := string(o.customer(t))
		reader.MustFail(t, "FORBIDDEN", `mutation($c: ID!) { createTicket(input: {title: "x", channel: API, customerID: $c}) { id } }`, map[string]any{"c": customer})
		reader.MustFail(t, "FORBIDDEN", `mutation { createTeam(input: {name: "x"}) { id } }`, nil)
		var customers struct{ Customers struct{ TotalCount int } }
		reader.Must(t, `{ customers { totalCount } }`, nil, &customers)
		if customers.Customers.TotalCount != 0 {
			t.Fatalf("a token without customer scopes sees %d customers", customers.Customers.TotalCount)
		}

		var tokens struct {
			APITokens struct {
				Edges []struct {
					Node struct {
						Name       string
						Kind       string
						Scopes     []string
						LastUsedAt *string
					}
				}
			}
		}
		o.clients["admin"].Must(t, `{ apiTokens { edges { node { name kind scopes lastUsedAt } } } }`, nil, &tokens)
		if len(tokens.APITokens.Edges) != 1 || tokens.APITokens.Edges[0].Node.LastUsedAt == nil ||
			!slices.Equal(tokens.APITokens.Edges[0].Node.Scopes, []string{"TICKETS_READ"}) {
			t.Fatalf("apiTokens = %+v", tokens.APITokens.Edges)
		}
		o.clients["agentA"].MustFail(t, "FORBIDDEN", `{ apiTokens { totalCount } }`, nil)

		writer, _ := o.apiToken(t, map[string]any{"name": "Shop", "scopes": []string{"TICKETS_WRITE", "CUSTOMERS_READ"}})
		writer.Must(t, `mutation($c: ID!) { createTicket(input: {title: "Order 77 broken", channel: API, customerID: $c}) { number } }`, map[string]any{"c": customer}, nil)

		o.clients["admin"].Must(t, `mutation($id: ID!) { revokeAPIToken(id: $id) { revokedAt } }`, map[string]any{"id": readerID}, nil)
		reader.MustFail(t, "UNAUTHENTICATED", `{ tickets { totalCount } }`, nil)
	})
}

func TestCustomerTokens(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		o := newOrg(t, dial)
		o.seed(t, 10) // tickets of another customer
		ctx := sys()
		me, err := o.app.Directory.CreateCustomer(ctx, directory.CreateCustomerInput{Name: "Portal User", Email: ptr("portal@example.com")})
		if err != nil {
			t.Fatal(err)
		}
		mine, err := o.app.Tickets.CreateTicket(ctx, ticketing.CreateTicketInput{Title: "Mine", Channel: ticket.ChannelWEB, CustomerID: &me.ID})
		if err != nil {
			t.Fatal(err)
		}
		staffOnly, err := o.app.Tickets.CreateTicket(ctx, ticketing.CreateTicketInput{Title: "About me, staff only", Channel: ticket.ChannelINTERNAL, CustomerID: &me.ID, Internal: ptr(true)})
		if err != nil {
			t.Fatal(err)
		}
		public, err := o.app.Tickets.AddComment(ctx, ticketing.AddCommentInput{TicketID: mine.ID, Body: "We are on it", Visibility: comment.VisibilityPUBLIC})
		if err != nil {
			t.Fatal(err)
		}
		note, err := o.app.Tickets.AddComment(ctx, ticketing.AddCommentInput{TicketID: mine.ID, Body: "Customer is grumpy", Visibility: comment.VisibilityINTERNAL})
		if err != nil {
			t.Fatal(err)
		}
		others, err := o.app.DB.Client.Ticket.Query().Where(ticket.CustomerIDNEQ(me.ID)).FirstID(ctx)
		if err != nil {
			t.Fatal(err)
		}

		c, _ := o.apiToken(t, map[string]any{"name": "Portal", "customerID": string(me.ID)})
		var list struct {
			Tickets struct {
				TotalCount int
				Edges      []struct {
					Node struct {
						ID       string
						Comments struct {
							Edges []struct{ Node struct{ ID string } }
						}
						Events struct{ TotalCount int }
					}
				}
			}
		}
		c.Must(t, `{ tickets { totalCount edges { node { id comments { edges { node { id } } } events { totalCount } } } } }`, nil, &list)
		if list.Tickets.TotalCount != 1 || list.Tickets.Edges[0].Node.ID != string(mine.ID) {
			t.Fatalf("customer sees %+v, want only their own public ticket", list.Tickets)
		}
		got := list.Tickets.Edges[0].Node
		if len(got.Comments.Edges) != 1 || got.Comments.Edges[0].Node.ID != string(public.ID) || got.Events.TotalCount != 0 {
			t.Fatalf("customer sees comments %+v and %d events; want only the public reply and no history", got.Comments.Edges, got.Events.TotalCount)
		}
		for _, id := range []gid.ID{note.ID, staffOnly.ID, others, o.agents["admin"], o.teams["A"]} {
			c.MustFail(t, "NOT_FOUND", `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id})
		}
		var custs struct{ Customers struct{ TotalCount int } }
		c.Must(t, `{ customers { totalCount } }`, nil, &custs)
		if custs.Customers.TotalCount != 1 {
			t.Fatalf("customer sees %d customers, want only themselves", custs.Customers.TotalCount)
		}

		var opened struct {
			CreateTicket struct{ Customer struct{ ID string } }
		}
		c.Must(t, `mutation { createTicket(input: {title: "New question", channel: WEB}) { customer { id } } }`, nil, &opened)
		if opened.CreateTicket.Customer.ID != string(me.ID) {
			t.Fatalf("customer's ticket belongs to %s", opened.CreateTicket.Customer.ID)
		}
		c.MustFail(t, "FORBIDDEN", `mutation($t: ID!) { createTicket(input: {title: "x", channel: WEB, teamID: $t}) { id } }`, map[string]any{"t": o.teams["A"]})
		c.Must(t, `mutation($id: ID!) { addComment(input: {ticketID: $id, body: "Thanks!"}) { id } }`, map[string]any{"id": mine.ID}, nil)
		c.MustFail(t, "FORBIDDEN", `mutation($id: ID!) { addComment(input: {ticketID: $id, body: "psst", visibility: INTERNAL}) { id } }`, map[string]any{"id": mine.ID})
		c.MustFail(t, "NOT_FOUND", `mutation($id: ID!) { addComment(input: {ticketID: $id, body: "hi"}) { id } }`, map[string]any{"id": others})
		c.MustFail(t, "FORBIDDEN", `mutation($id: ID!) { updateTicket(id: $id, input: {title: "mine now"}) { id } }`, map[string]any{"id": mine.ID})
		c.MustFail(t, "FORBIDDEN", `{ agents { totalCount } }`, nil)
	})
}
