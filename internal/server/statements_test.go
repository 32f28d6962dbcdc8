package server_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"helpdesk/ent"
	"helpdesk/ent/ticket"
	"helpdesk/internal/catalog"
	"helpdesk/internal/directory"
	"helpdesk/internal/gid"
	"helpdesk/internal/gqltest"
	"helpdesk/internal/server"
	"helpdesk/internal/store"
	"helpdesk/internal/testdb"
	"helpdesk/internal/ticketing"
)

// countingDriver counts the statements the API sends outside transactions.
type countingDriver struct {
	dialect.Driver
	n atomic.Int64
}

func (d *countingDriver) Query(ctx context.Context, query string, args, v any) error {
	d.n.Add(1)
	return d.Driver.Query(ctx, query, args, v)
}

func (d *countingDriver) Exec(ctx context.Context, query string, args, v any) error {
	d.n.Add(1)
	return d.Driver.Exec(ctx, query, args, v)
}

// TestReadStatementsDoNotGrowWithPageSize reads a page of tickets with
// their nested edges at two page sizes: the number of SQL statements must
// be the same, bounded by the depth of the query and not by the page size.
func TestReadStatementsDoNotGrowWithPageSize(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, dial string) {
		e := newEnv(t, dial)
		seedTickets(t, e, 30)

		counter := &countingDriver{Driver: entsql.OpenDB(e.db.Dialect, e.db.SQL)}
		counted := &store.DB{Client: ent.NewClient(ent.Driver(counter)), SQL: e.db.SQL, Dialect: e.db.Dialect, DSN: e.db.DSN}
		app, err := server.NewApp(t.Context(), counted, server.Options{TokenKey: testTokenKey, PasswordCost: testPasswordCost})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(app.Close)
		srv := httptest.NewServer(app.Handler)
		defer srv.Close()
		c := &gqltest.Client{URL: srv.URL + "/graphql", Token: e.admin.Token}

		const query = `query($n: Int!) { tickets(first: $n, orderBy: [{field: NUMBER}]) {
			totalCount
			edges { node {
				number title categoryPath { name }
				customer { name email }
				team { name members { priority agent { name } } }
				assignee { name }
				createdBy { name }
				tags { name }
				watchers { name }
				comments(first: 2) { totalCount edges { node { body authorAgent { name } } } }
				events(first: 3, orderBy: [{field: SEQUENCE}]) { edges { node { kind actor { name } } } }
			} } } }`
		statements := func(n int) int64 {
			var out struct {
				Tickets struct {
					Edges []struct {
						Node struct{ CategoryPath []struct{ Name string } }
					}
				}
			}
			before := counter.n.Load()
			c.Must(t, query, map[string]any{"n": n}, &out)
			if len(out.Tickets.Edges) != n || len(out.Tickets.Edges[n-1].Node.CategoryPath) == 0 {
				t.Fatalf("page of %d returned %d tickets", n, len(out.Tickets.Edges))
			}
			return counter.n.Load() - before
		}
		// Batched loads wait a millisecond for siblings; on a loaded
		// machine a batch can split, so each size counts its best of
		// three. A page-size-bound read still grows tenfold.
		fewest := func(n int) int64 { return min(statements(n), statements(n), statements(n)) }
		small, large := fewest(3), fewest(30)
		if small != large {
			t.Fatalf("statements: %d for 3 tickets, %d for 30: reads grow with the page size", small, large)
		}
		t.Logf("%d statements for either page size", small)

		// A list of tickets that is not a page of the tickets query (a
		// customer's tickets) reads its category paths together too: the
		// first ticket's categoryPath reads those of the whole list. Each
		// of these tickets has a category of its own.
		nestedCustomer := e.createCustomer(t, "Nested Customer", "nested@example.com")
		parent := e.createCategory(t, "Nested", "")
		const nestedTickets = 6
		for i := range nestedTickets {
			e.createTicket(t, map[string]any{"title": fmt.Sprintf("Nested %d", i), "channel": "EMAIL", "customerID": nestedCustomer,
				"categoryID": e.createCategory(t, fmt.Sprintf("Nested %d", i), parent)})
		}
		const nested = `query($n: Int!) { customers(first: 1, where: {email: "nested@example.com"}) { edges { node {
			tickets(first: $n, orderBy: [{field: NUMBER}]) { edges { node { title categoryPath { name } } } }
		} } } }`
		nestedStatements := func(n int) int64 {
			var out struct {
				Customers struct {
					Edges []struct {
						Node struct {
							Tickets struct {
								Edges []struct {
									Node struct {
										Title        string
										CategoryPath []struct{ Name string }
									}
								}
							}
						}
					}
				}
			}
			before := counter.n.Load()
			c.Must(t, nested, map[string]any{"n": n}, &out)
			used := counter.n.Load() - before
			if len(out.Customers.Edges) != 1 || len(out.Customers.Edges[0].Node.Tickets.Edges) != n {
				t.Fatalf("the customer's first %d tickets: %+v", n, out)
			}
			for i, e := range out.Customers.Edges[0].Node.Tickets.Edges {
				path := e.Node.CategoryPath
				if want := fmt.Sprintf("Nested %d", i); e.Node.Title != want || len(path) != 2 || path[0].Name != "Nested" || path[1].Name != want {
					t.Fatalf("ticket %q has the category path %+v, want Nested > %s", e.Node.Title, path, want)
				}
			}
			return used
		}
		fewestNested := func(n int) int64 { return min(nestedStatements(n), nestedStatements(n), nestedStatements(n)) }
		smallNested, largeNested := fewestNested(2), fewestNested(nestedTickets)
		if smallNested != largeNested {
			t.Fatalf("statements: %d for a customer's 2 tickets, %d for %d: category paths are read ticket by ticket", smallNested, largeNested, nestedTickets)
		}
	})
}

// seedTickets creates n tickets with a team, category path, tags, an
// assignee, watchers and comments.
func seedTickets(t *testing.T, e *env, n int) {
	t.Helper()
	customer := e.createCustomer(t, "Seed Customer", "seed@example.com")
	root := e.createCategory(t, "Root", "")
	leaf := e.createCategory(t, "Leaf", e.createCategory(t, "Branch", root))
	var team struct{ CreateTeam struct{ ID string } }
	e.admin.Must(t, `mutation { createTeam(input: {name: "Seeders", isDefault: true}) { id } }`, nil, &team)
	var viewer struct{ Viewer struct{ ID string } }
	e.admin.Must(t, `{ viewer { id } }`, nil, &viewer)
	e.admin.Must(t, `mutation($t: ID!, $a: ID!) { addTeamMember(teamID: $t, agentID: $a) { id } }`,
		map[string]any{"t": team.CreateTeam.ID, "a": viewer.Viewer.ID}, nil)
	for i := range n {
		tk := e.createTicket(t, map[string]any{
			"title": fmt.Sprintf("Seed %d", i), "channel": "CHAT", "customerID": customer, "categoryID": []string{root, leaf}[i%2],
			"assigneeID": viewer.Viewer.ID, "watcherIDs": []string{viewer.Viewer.ID}, "tags": []string{"seed", fmt.Sprintf("t%d", i%3)},
		})
		for j := range 2 {
			e.admin.Must(t, `mutation($id: ID!, $b: String!) { addComment(input: {ticketID: $id, body: $b}) { id } }`,
				map[string]any{"id": tk.ID, "b": fmt.Sprintf("reply %d", j)}, nil)
		}
	}
}

// queueQuery is an agent's queue: one team's open tickets, most urgent
// first and oldest first within a priority, with what a queue shows of
// each.
const queueQuery = `query($team: ID!, $n: Int!) {
	tickets(first: $n, where: {teamID: $team, statusIn: [UNASSIGNED, OPEN, IN_PROGRESS, WAITING]},
			orderBy: [{field: PRIORITY}, {field: CREATED_AT}]) {
		totalCount
		pageInfo { hasNextPage endCursor }
		edges { node {
			id number title status priority createdAt firstResponseDueAt resolutionDueAt
			customer { id name }
			assignee { id name }
			categoryPath { id name }
			tags { name }
		} }
	} }`

// TestQueueQueryStatements reads an agent's queue at page sizes 10 and
// 100: authentication, the read scope, totalCount, the page and every
// nested field together take at most five statements, whatever the page
// size, once the agent's viewer is cached (see auth.CacheViewers); the
// agent's first request reads it in one more.
func TestQueueQueryStatements(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, dial string) {
		db := testdb.Open(t, dial)
		counter := &countingDriver{Driver: entsql.OpenDB(db.Dialect, db.SQL)}
		o := newOrgOn(t, &store.DB{Client: ent.NewClient(ent.Driver(counter)), SQL: db.SQL, Dialect: db.Dialect, DSN: db.DSN})
		ctx := sys()
		cus, err := o.app.Directory.CreateCustomer(ctx, directory.CreateCustomerInput{Name: "Queue Customer", Email: ptr("queue@example.com")})
		if err != nil {
			t.Fatal(err)
		}
		root, err := o.app.Catalog.CreateCategory(ctx, catalog.CreateCategoryInput{Name: "Orders"})
		if err != nil {
			t.Fatal(err)
		}
		leaf, err := o.app.Catalog.CreateCategory(ctx, catalog.CreateCategoryInput{Name: "Late", ParentID: &root.ID})
		if err != nil {
			t.Fatal(err)
		}
		teamA := o.teams["A"]
		// 110 tickets agentA may read (unassigned in team A, or theirs)
		// and 20 of team A it may not (someone else's).
		for i := range 130 {
			in := ticketing.CreateTicketInput{Title: fmt.Sprintf("Queued %d", i), Channel: ticket.ChannelEMAIL,
				CustomerID: &cus.ID, TeamID: &teamA, CategoryID: []*gid.ID{&root.ID, &leaf.ID}[i%2], Tags: []string{"queue"}}
			switch {
			case i%13 == 0:
				in.AssigneeID = ptr(o.agents["agentAB"])
			case i%5 == 0:
				in.AssigneeID = ptr(o.agents["agentA"])
			}
			if _, err := o.app.Tickets.CreateTicket(ctx, in); err != nil {
				t.Fatal(err)
			}
		}
		agentA := o.clients["agentA"]
		statements := func(n int) (int64, int) {
			var out struct {
				Tickets struct {
					TotalCount int
					Edges      []struct {
						Node struct {
							Number       int
							Title        string
							Status       string
							Customer     struct{ Name string }
							CategoryPath []struct{ Name string }
							Assignee     *struct{ ID string }
						}
					}
				}
			}
			before := counter.n.Load()
			agentA.Must(t, queueQuery, map[string]any{"team": teamA, "n": n}, &out)
			used := counter.n.Load() - before
			if len(out.Tickets.Edges) != n {
				t.Fatalf("page of %d returned %d tickets", n, len(out.Tickets.Edges))
			}
			for _, e := range out.Tickets.Edges {
				if e.Node.Number == 0 || e.Node.Title == "" || e.Node.Status == "" || e.Node.Customer.Name != "Queue Customer" {
					t.Fatalf("a queued ticket is missing fields: %+v", e.Node)
				}
				if len(e.Node.CategoryPath) == 0 {
					t.Fatal("a queued ticket has no category path")
				}
				if e.Node.Assignee != nil && e.Node.Assignee.ID != string(o.agents["agentA"]) {
					t.Fatalf("agentA's queue shows a ticket assigned to %s", e.Node.Assignee.ID)
				}
			}
			return used, out.Tickets.TotalCount
		}
		fewest := func(n int) (int64, int) {
			best, total := statements(n)
			for range 2 {
				s, _ := statements(n)
				best = min(best, s)
			}
			return best, total
		}
		cold, _ := statements(10)
		small, total10 := fewest(10)
		large, total100 := fewest(100)
		if total10 != 120 || total100 != 120 {
			t.Fatalf("totalCount %d and %d, want the 120 tickets agentA may read", total10, total100)
		}
		if small != large {
			t.Fatalf("statements: %d for 10 tickets, %d for 100: reads grow with the page size", small, large)
		}
		if small > 5 {
			t.Fatalf("the queue query takes %d statements, want at most 5", small)
		}
		if cold > small+1 {
			t.Fatalf("the first queue query takes %d statements, want at most one more than the %d after it", cold, small)
		}
		t.Logf("%d statements for either page size (%d for the first request)", small, cold)
	})
}
