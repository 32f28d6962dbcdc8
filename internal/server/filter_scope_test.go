package server_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"helpdesk/ent/comment"
	"helpdesk/ent/schematype"
	"helpdesk/ent/ticket"
	"helpdesk/internal/auth"
	"helpdesk/internal/catalog"
	"helpdesk/internal/directory"
	"helpdesk/internal/gid"
	"helpdesk/internal/gqltest"
	"helpdesk/internal/testdb"
	"helpdesk/internal/ticketing"
)

// TestCustomerCannotGuessInternalNotesThroughFilters replays the
// prefix-guessing attack: a customer's token filtering its own tickets by
// the text of internal notes never gets a match, while filters on public
// replies still work.
func TestCustomerCannotGuessInternalNotesThroughFilters(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		o := newOrg(t, dial)
		cus := o.newCustomer(t, "Carla", "carla@example.com")
		noted := o.createTicket(t, ticketing.CreateTicketInput{Title: "Refund", CustomerID: &cus, AssigneeID: ptr(o.agents["agentA"]), TeamID: ptr(o.teams["A"])})
		o.comment(t, noted, "Suspected fraud, do not refund", comment.VisibilityINTERNAL)
		o.comment(t, noted, "Hello Carla, we are looking into it", comment.VisibilityPUBLIC)
		onlyInternal := o.createTicket(t, ticketing.CreateTicketInput{Title: "Second", CustomerID: &cus})
		o.comment(t, onlyInternal, "Suspected duplicate", comment.VisibilityINTERNAL)
		portal, _ := o.apiToken(t, map[string]any{"name": "Portal", "customerID": string(cus)})
		admin := o.clients["admin"]

		const byComment = `query($w: CommentWhereInput!) { tickets(where: {hasCommentsWith: [$w]}) { totalCount } }`
		for _, w := range []map[string]any{
			{"visibility": "INTERNAL", "bodyHasPrefix": "S"},
			{"bodyHasPrefix": "Suspected"},
			{"bodyContains": "fraud"},
			{"visibility": "INTERNAL"},
		} {
			if n := totalOf(t, admin, "tickets", byComment, map[string]any{"w": w}); n == 0 {
				t.Fatalf("control: an administrator's filter %v matches nothing", w)
			}
			if n := totalOf(t, portal, "tickets", byComment, map[string]any{"w": w}); n != 0 {
				t.Fatalf("a customer's filter on internal notes %v matched %d tickets", w, n)
			}
		}
		if n := totalOf(t, portal, "tickets", byComment, map[string]any{"w": map[string]any{"bodyHasPrefix": "Hello"}}); n != 1 {
			t.Fatalf("a customer's filter on a public reply matched %d tickets, want 1", n)
		}
		for filter, want := range map[string]int{
			`{hasComments: true}`:                                  1, // the other ticket has internal notes only
			`{hasComments: false}`:                                 1,
			`{not: {hasComments: true}}`:                           1,
			`{hasEvents: true}`:                                    0, // customers read no history
			`{hasEventsWith: [{kindNEQ: COMMENTED}]}`:              0,
			`{hasAssigneeWith: [{emailHasPrefix: "agentA"}]}`:      0, // staff emails are not theirs to probe
			`{hasAssignee: true}`:                                  0,
			`{hasTeamWith: [{hasMemberships: true}]}`:              0, // nor team rosters
			`{or: [{hasCommentsWith: [{bodyContains: "fraud"}]}]}`: 0,
		} {
			if n := totalOf(t, portal, "tickets", `{ tickets(where: `+filter+`) { totalCount } }`, nil); n != want {
				t.Fatalf("tickets(where: %s) = %d for a customer, want %d", filter, n, want)
			}
		}
		// The same filter on a nested connection, which its parent
		// eager-loads.
		var nested struct {
			Customers struct {
				Edges []struct {
					Node struct {
						Tickets struct {
							TotalCount int
							Edges      []struct{ Node struct{ ID string } }
						}
					}
				}
			}
		}
		portal.Must(t, `{ customers { edges { node { tickets(where: {hasCommentsWith: [{bodyContains: "fraud"}]}) { totalCount edges { node { id } } } } } } }`, nil, &nested)
		if len(nested.Customers.Edges) != 1 || nested.Customers.Edges[0].Node.Tickets.TotalCount != 0 || len(nested.Customers.Edges[0].Node.Tickets.Edges) != 0 {
			t.Fatalf("customer.tickets(where:) matched an internal note: %+v", nested)
		}
		var matched struct {
			Customers struct {
				Edges []struct {
					Node struct {
						Tickets struct {
							TotalCount int
							Edges      []struct {
								Node struct {
									ID, Title string
									Comments  struct{ TotalCount int }
								}
							}
						}
					}
				}
			}
		}
		portal.Must(t, `{ customers { edges { node { tickets(where: {hasCommentsWith: [{bodyHasPrefix: "Hello"}]}) {
			totalCount edges { node { id title comments { totalCount } } } } } } } }`, nil, &matched)
		if got := matched.Customers.Edges[0].Node.Tickets; got.TotalCount != 1 || len(got.Edges) != 1 || got.Edges[0].Node.ID != string(noted) ||
			got.Edges[0].Node.Title != "Refund" || got.Edges[0].Node.Comments.TotalCount != 1 {
			t.Fatalf("customer.tickets(where:) on a public reply = %+v", got)
		}
	})
}

// TestAgentCannotLearnHiddenTicketsThroughFilters: an agent of another
// team learns nothing about a ticket it may not read by filtering
// customers, agents, teams or categories on it.
func TestAgentCannotLearnHiddenTicketsThroughFilters(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		o := newOrg(t, dial)
		cus := o.newCustomer(t, "Quiet Corp", "quiet@example.com")
		cat, err := o.app.Catalog.CreateCategory(sys(), catalog.CreateCategoryInput{Name: "Mergers"})
		if err != nil {
			t.Fatal(err)
		}
		hidden := o.createTicket(t, ticketing.CreateTicketInput{Title: "Confidential merger", CustomerID: &cus,
			CategoryID: &cat.ID, TeamID: ptr(o.teams["C"]), AssigneeID: ptr(o.agents["agentC"])})
		number, err := o.app.DB.Client.Ticket.Query().Where(ticket.ID(hidden)).OnlyX(sys()).Number, nil
		if err != nil {
			t.Fatal(err)
		}
		agentA, admin := o.clients["agentA"], o.clients["admin"]
		agentA.MustFail(t, "NOT_FOUND", `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": string(hidden)})
		if n := totalOf(t, agentA, "tickets", `query($n: Int!) { tickets(where: {number: $n}) { totalCount } }`, map[string]any{"n": number}); n != 0 {
			t.Fatalf("control: agentA lists the hidden ticket")
		}
		for _, probe := range []struct{ field, filter string }{
			{"customers", `{hasTicketsWith: [{number: $n}]}`},
			{"customers", `{hasTicketsWith: [{titleContains: "merger", numberGTE: $n}]}`},
			{"customers", `{name: "Quiet Corp", hasTickets: true}`},
			{"agents", `{hasAssignedTicketsWith: [{number: $n}]}`},
			{"agents", `{hasAssignedTicketsWith: [{hasCustomerWith: [{name: "Quiet Corp"}], numberGTE: $n}]}`},
			{"teams", `{hasTicketsWith: [{number: $n}]}`},
			{"categories", `{hasTicketsWith: [{number: $n}]}`},
			{"categories", `{name: "Mergers", hasTickets: true}`},
			{"categories", `{and: [{hasTicketsWith: [{titleContains: "merger", number: $n}]}]}`},
		} {
			q, vars := fmt.Sprintf(`{ %s(where: %s) { totalCount } }`, probe.field, probe.filter), map[string]any(nil)
			if strings.Contains(probe.filter, "$n") {
				q, vars = `query($n: Int!) `+q, map[string]any{"n": number}
			}
			if n := totalOf(t, admin, probe.field, q, vars); n == 0 {
				t.Fatalf("control: %s(where: %s) matches nothing for an administrator", probe.field, probe.filter)
			}
			if n := totalOf(t, agentA, probe.field, q, vars); n != 0 {
				t.Fatalf("%s(where: %s) = %d for an agent of another team", probe.field, probe.filter, n)
			}
		}
		// The customer without tickets the agent may read counts as
		// having none.
		if n := totalOf(t, agentA, "customers", `{ customers(where: {name: "Quiet Corp", hasTickets: false}) { totalCount } }`, nil); n != 1 {
			t.Fatalf("customers(hasTickets: false) = %d for agentA, want 1", n)
		}
		// The agent of the ticket's team finds it.
		if n := totalOf(t, o.clients["agentC"], "customers", `query($n: Int!) { customers(where: {hasTicketsWith: [{number: $n}]}) { totalCount } }`, map[string]any{"n": number}); n != 1 {
			t.Fatalf("agentC's filter on its own ticket = %d, want 1", n)
		}
	})
}

// TestIntegrationTokenFiltersStayInItsScopes: a token that may read
// customers only cannot filter them by their tickets or comments, and one
// that may read tickets only cannot filter tickets by their customers.
func TestIntegrationTokenFiltersStayInItsScopes(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		o := newOrg(t, dial)
		cus := o.newCustomer(t, "Dana", "dana@example.com")
		tk := o.createTicket(t, ticketing.CreateTicketInput{Title: "Invoice", CustomerID: &cus})
		o.comment(t, tk, "Card ending 4242", comment.VisibilityPUBLIC)
		customersOnly, _ := o.apiToken(t, map[string]any{"name": "CRM", "scopes": []string{"CUSTOMERS_READ"}})
		ticketsOnly, _ := o.apiToken(t, map[string]any{"name": "Dashboard", "scopes": []string{"TICKETS_READ"}})
		both, _ := o.apiToken(t, map[string]any{"name": "Sync", "scopes": []string{"TICKETS_READ", "CUSTOMERS_READ"}})

		byComment := `{ customers(where: {hasTicketsWith: [{hasCommentsWith: [{bodyContains: "4242"}]}]}) { totalCount } }`
		if n := totalOf(t, both, "customers", byComment, nil); n != 1 {
			t.Fatalf("control: a token with both scopes finds %d customers, want 1", n)
		}
		if n := totalOf(t, customersOnly, "customers", `{ customers { totalCount } }`, nil); n != 1 {
			t.Fatalf("control: a CUSTOMERS_READ token lists %d customers, want 1", n)
		}
		for _, q := range []string{
			byComment,
			`{ customers(where: {hasTicketsWith: [{titleContains: "Invoice"}]}) { totalCount } }`,
			`{ customers(where: {hasTickets: true}) { totalCount } }`,
		} {
			if n := totalOf(t, customersOnly, "customers", q, nil); n != 0 {
				t.Fatalf("a CUSTOMERS_READ token: %s = %d", q, n)
			}
		}
		if n := totalOf(t, customersOnly, "customers", `{ customers(where: {hasTickets: false}) { totalCount } }`, nil); n != 1 {
			t.Fatalf("a CUSTOMERS_READ token: hasTickets: false = %d, want 1", n)
		}
		for _, q := range []string{
			`{ tickets(where: {hasCustomerWith: [{emailHasPrefix: "dana"}]}) { totalCount } }`,
			`{ tickets(where: {hasCustomer: true}) { totalCount } }`,
		} {
			if n := totalOf(t, ticketsOnly, "tickets", q, nil); n != 0 {
				t.Fatalf("a TICKETS_READ token: %s = %d", q, n)
			}
			if n := totalOf(t, both, "tickets", q, nil); n != 1 {
				t.Fatalf("control: a token with both scopes: %s = %d", q, n)
			}
		}
	})
}

// TestCustomerSeesNoStaffContacts: on its own ticket a customer's token
// reads the assignee's name, but not staff emails or team rosters.
func TestCustomerSeesNoStaffContacts(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		o := newOrg(t, dial)
		cus := o.newCustomer(t, "Erin", "erin@example.com")
		tk := o.createTicket(t, ticketing.CreateTicketInput{Title: "Lost parcel", CustomerID: &cus, TeamID: ptr(o.teams["A"]), AssigneeID: ptr(o.agents["agentA"])})
		portal, _ := o.apiToken(t, map[string]any{"name": "Portal", "customerID": string(cus)})
		vars := map[string]any{"id": string(tk)}

		type view struct {
			Node *struct {
				Assignee *struct{ Name, Email string }
				Team     *struct {
					Memberships []struct{ Agent struct{ Name string } }
					Members     []struct{ Agent struct{ Name string } }
				}
			}
		}
		var v view
		portal.Must(t, `query($id: ID!) { node(id: $id) { ... on Ticket { assignee { name } team { memberships { agent { name } } members { agent { name } } } } } }`, vars, &v)
		if v.Node == nil || v.Node.Assignee == nil || v.Node.Assignee.Name != "agentA" {
			t.Fatalf("the customer does not see the assignee's name: %+v", v.Node)
		}
		if v.Node.Team == nil || len(v.Node.Team.Memberships) != 0 || len(v.Node.Team.Members) != 0 {
			t.Fatalf("the customer reads the team roster: %+v", v.Node.Team)
		}
		for _, q := range []string{
			`query($id: ID!) { node(id: $id) { ... on Ticket { assignee { name email } } } }`,
			`query($id: ID!) { node(id: $id) { ... on Ticket { comments { edges { node { authorAgent { email } } } } watchers { email } } } }`,
		} {
			res := portal.Post(t, q, vars)
			if strings.Contains(string(res.Data), "@example.com") {
				t.Fatalf("a staff email reached the customer: %s", res.Data)
			}
			for _, e := range res.Errors {
				if e.Code() != "FORBIDDEN" {
					t.Fatalf("unexpected error %s: %s", e.Code(), e.Message)
				}
			}
		}
		res := portal.Post(t, `query($id: ID!) { node(id: $id) { ... on Ticket { assignee { email } } } }`, vars)
		if len(res.Errors) != 1 || res.Errors[0].Code() != "FORBIDDEN" {
			t.Fatalf("reading an assignee's email: errors %+v", res.Errors)
		}

		// Staff still read both.
		var staff view
		o.clients["agentA"].Must(t, `query($id: ID!) { node(id: $id) { ... on Ticket { assignee { name email } team { memberships { agent { name } } members { agent { name } } } } } }`, vars, &staff)
		if staff.Node.Assignee.Email != "agenta@example.com" || len(staff.Node.Team.Memberships) != 3 || len(staff.Node.Team.Members) != 3 {
			t.Fatalf("an agent's view of the ticket: %+v %+v", *staff.Node.Assignee, *staff.Node.Team)
		}
	})
}

// TestFiltersMatchListedRows extends the read-scope consistency check to
// filters: for every kind of viewer and random ticket filters W, filtering
// customers, teams, categories and agents over their tickets with W gives
// exactly the customers, teams, categories and assignees of the tickets
// the viewer lists with W, and filtering tickets over their comments
// gives exactly the tickets of the comments the viewer lists.
func TestFiltersMatchListedRows(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		o := newOrg(t, dial)
		customers := o.seedVaried(t, 70)
		viewers := map[string]*gqltest.Client{}
		for name, c := range o.clients {
			viewers[name] = c
		}
		viewers["portal"], _ = o.apiToken(t, map[string]any{"name": "Portal", "customerID": string(customers[0])})
		viewers["tickets-token"], _ = o.apiToken(t, map[string]any{"name": "T", "scopes": []string{"TICKETS_READ"}})
		viewers["customers-token"], _ = o.apiToken(t, map[string]any{"name": "C", "scopes": []string{"CUSTOMERS_READ"}})
		viewers["both-token"], _ = o.apiToken(t, map[string]any{"name": "B", "scopes": []string{"TICKETS_READ", "CUSTOMERS_READ"}})

		rng := rand.New(rand.NewPCG(3, 5))
		for _, name := range slices.Sorted(maps.Keys(viewers)) {
			c := viewers[name]
			t.Run(name, func(t *testing.T) {
				v, err := authenticate(o, c)
				if err != nil {
					t.Fatal(err)
				}
				for range 4 {
					checkFilterConsistency(t, c, v, randomTicketFilter(rng))
				}
				checkCommentFilterConsistency(t, c, randomCommentFilter(rng))
			})
		}
	})
}

// checkFilterConsistency compares the edge filters built on the ticket
// filter w with the tickets the viewer lists with it.
func checkFilterConsistency(t *testing.T, c *gqltest.Client, v auth.Viewer, w map[string]any) {
	t.Helper()
	var listed struct {
		Tickets struct {
			TotalCount int
			Edges      []struct {
				Node struct {
					ID                                 string
					Customer, Team, Category, Assignee *struct{ ID string }
				}
			}
		}
	}
	c.Must(t, `query($w: TicketWhereInput) { tickets(first: 100, where: $w) { totalCount edges { node { id
		customer { id } team { id } category { id } assignee { id } } } } }`, map[string]any{"w": w}, &listed)
	if listed.Tickets.TotalCount > 100 {
		t.Fatalf("%d tickets match; the check reads one page", listed.Tickets.TotalCount)
	}
	want := map[string]map[string]bool{"customers": {}, "teams": {}, "categories": {}, "agents": {}}
	tickets := map[string]bool{}
	for _, e := range listed.Tickets.Edges {
		tickets[e.Node.ID] = true
		for field, ref := range map[string]*struct{ ID string }{"customers": e.Node.Customer, "teams": e.Node.Team, "categories": e.Node.Category, "agents": e.Node.Assignee} {
			if ref != nil {
				want[field][ref.ID] = true
			}
		}
	}
	edges := map[string]string{"customers": "hasTicketsWith", "teams": "hasTicketsWith", "categories": "hasTicketsWith", "agents": "hasAssignedTicketsWith"}
	for field, edge := range edges {
		if !rootFieldAllowed(v, field) {
			continue
		}
		got := idsOf(t, c, field, fmt.Sprintf(`query($w: TicketWhereInput!) { %s(first: 100, where: {%s: [$w]}) { edges { node { id } } } }`, field, edge), map[string]any{"w": w})
		if !sameSet(got, want[field]) {
			t.Fatalf("%s(where: {%s: %v}) = %d rows, the listed tickets have %d", field, edge, w, len(got), len(want[field]))
		}
	}
	// The same filter on the nested connection customer.tickets.
	if rootFieldAllowed(v, "customers") {
		var nested struct {
			Customers struct {
				Edges []struct {
					Node struct {
						Tickets struct {
							TotalCount int
							Edges      []struct{ Node struct{ ID string } }
						}
					}
				}
			}
		}
		c.Must(t, `query($w: TicketWhereInput) { customers(first: 100) { edges { node { tickets(first: 100, where: $w) { totalCount edges { node { id } } } } } } }`, map[string]any{"w": w}, &nested)
		got := map[string]bool{}
		for _, e := range nested.Customers.Edges {
			if e.Node.Tickets.TotalCount != len(e.Node.Tickets.Edges) {
				t.Fatalf("customer.tickets totalCount %d for %d edges", e.Node.Tickets.TotalCount, len(e.Node.Tickets.Edges))
			}
			for _, te := range e.Node.Tickets.Edges {
				got[te.Node.ID] = true
			}
		}
		withCustomer := map[string]bool{}
		for _, e := range listed.Tickets.Edges {
			if e.Node.Customer != nil {
				withCustomer[e.Node.ID] = true
			}
		}
		if !sameSet(got, withCustomer) {
			t.Fatalf("customer.tickets(where: %v) finds %d tickets, tickets(where:) lists %d with a customer", w, len(got), len(withCustomer))
		}
	}
}

// checkCommentFilterConsistency compares tickets(where: {hasCommentsWith:
// [w]}) and hasComments with the comments the viewer lists on its tickets.
func checkCommentFilterConsistency(t *testing.T, c *gqltest.Client, w map[string]any) {
	t.Helper()
	var all struct {
		Tickets struct {
			TotalCount int
			Edges      []struct {
				Node struct {
					ID       string
					Comments struct{ TotalCount int }
					Matching struct{ TotalCount int }
				}
			}
		}
	}
	c.Must(t, `query($w: CommentWhereInput) { tickets(first: 100) { totalCount edges { node { id
		comments { totalCount } matching: comments(where: $w) { totalCount } } } } }`, map[string]any{"w": w}, &all)
	if all.Tickets.TotalCount > 100 {
		t.Fatalf("%d tickets; the check reads one page", all.Tickets.TotalCount)
	}
	withMatch, withoutMatch, withAny, withNone := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, e := range all.Tickets.Edges {
		if e.Node.Matching.TotalCount > 0 {
			withMatch[e.Node.ID] = true
		} else {
			withoutMatch[e.Node.ID] = true
		}
		if e.Node.Comments.TotalCount > 0 {
			withAny[e.Node.ID] = true
		} else {
			withNone[e.Node.ID] = true
		}
	}
	for filter, want := range map[string]map[string]bool{
		`{hasCommentsWith: [$w]}`:        withMatch,
		`{hasComments: true}`:            withAny,
		`{hasComments: false}`:           withNone,
		`{not: {hasCommentsWith: [$w]}}`: withoutMatch,
	} {
		q, vars := `{ tickets(first: 100, where: `+filter+`) { edges { node { id } } } }`, map[string]any(nil)
		if strings.Contains(filter, "$w") {
			q, vars = `query($w: CommentWhereInput!) `+q, map[string]any{"w": w}
		}
		got := idsOf(t, c, "tickets", q, vars)
		if !sameSet(got, want) {
			t.Fatalf("tickets(where: %s) with $w = %v finds %d tickets, the listed comments give %d", filter, w, len(got), len(want))
		}
	}
}

// seedVaried creates customers, categories and n tickets spread over
// them, teams, assignees, watchers and comments of both visibilities with
// varied words, and returns the customers.
func (o *org) seedVaried(t *testing.T, n int) []gid.ID {
	t.Helper()
	ctx := sys()
	rng := rand.New(rand.NewPCG(13, 17))
	var customers, categories []gid.ID
	for i := range 4 {
		customers = append(customers, o.newCustomer(t, fmt.Sprintf("Customer %d", i), fmt.Sprintf("c%d@example.com", i)))
	}
	for _, name := range []string{"Billing", "Shipping", "Returns"} {
		c, err := o.app.Catalog.CreateCategory(ctx, catalog.CreateCategoryInput{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		categories = append(categories, c.ID)
	}
	members := map[string][]string{"A": {"leadA", "agentA", "agentAB"}, "B": {"agentAB"}, "C": {"agentC"}}
	everyone := []string{"admin", "manager", "leadA", "agentA", "agentAB", "agentC", "loner"}
	pick := func(words []string) string { return words[rng.IntN(len(words))] }
	for i := range n {
		in := ticketing.CreateTicketInput{
			Title:    fmt.Sprintf("%s %s %d", pick(filterWords), pick(filterWords), i),
			Channel:  ticket.ChannelEMAIL,
			Priority: ptr(schematype.Priority(pick(schematype.Priority("").Values()))),
		}
		if rng.IntN(8) == 0 {
			in.Internal = ptr(true)
		} else {
			in.CustomerID = &customers[rng.IntN(len(customers))]
		}
		if rng.IntN(4) > 0 {
			in.CategoryID = &categories[rng.IntN(len(categories))]
		}
		if tn := pick([]string{"A", "B", "C", ""}); tn != "" {
			in.TeamID = ptr(o.teams[tn])
			if rng.IntN(2) == 0 {
				in.AssigneeID = ptr(o.agents[pick(members[tn])])
			}
		}
		if rng.IntN(6) == 0 {
			in.WatcherIDs = []gid.ID{o.agents[pick(everyone)]}
		}
		tk := o.createTicket(t, in)
		for range rng.IntN(3) {
			c := ticketing.AddCommentInput{TicketID: tk, Body: pick(filterWords) + " " + pick(filterWords), Visibility: comment.VisibilityPUBLIC}
			if rng.IntN(2) == 0 {
				c.Visibility = comment.VisibilityINTERNAL
			}
			if rng.IntN(8) == 0 {
				c.MentionIDs = []gid.ID{o.agents[pick(everyone)]}
			}
			if _, err := o.app.Tickets.AddComment(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
	}
	return customers
}

var filterWords = []string{"refund", "parcel", "invoice", "login", "broken", "late", "urgent", "question"}

// randomTicketFilter draws a ticket filter: on the ticket's own fields,
// over its comments, or a combination.
func randomTicketFilter(rng *rand.Rand) map[string]any {
	word := func() string { return filterWords[rng.IntN(len(filterWords))] }
	switch rng.IntN(6) {
	case 0:
		return map[string]any{"titleContains": word()}
	case 1:
		return map[string]any{"priorityIn": []string{"HIGH", "URGENT"}, "numberGT": rng.IntN(30)}
	case 2:
		return map[string]any{"hasCommentsWith": []any{map[string]any{"bodyHasPrefix": word()[:2]}}}
	case 3:
		return map[string]any{"or": []any{map[string]any{"titleContains": word()}, map[string]any{"hasComments": false}}}
	case 4:
		return map[string]any{"not": map[string]any{"hasCommentsWith": []any{map[string]any{"visibility": "INTERNAL"}}}}
	}
	return map[string]any{"internal": false, "hasCommentsWith": []any{map[string]any{"bodyContains": word()}}}
}

// randomCommentFilter draws a filter on a comment's own fields.
func randomCommentFilter(rng *rand.Rand) map[string]any {
	word := filterWords[rng.IntN(len(filterWords))]
	switch rng.IntN(3) {
	case 0:
		return map[string]any{"bodyHasPrefix": word[:3]}
	case 1:
		return map[string]any{"visibility": "INTERNAL"}
	}
	return map[string]any{"bodyContains": word, "visibility": "PUBLIC"}
}

// rootFieldAllowed mirrors which lists each kind of token may query.
func rootFieldAllowed(v auth.Viewer, field string) bool {
	switch {
	case v.IsCustomer():
		return field == "customers" || field == "tickets"
	case v.IsIntegration():
		return field != "agents"
	}
	return true
}

func authenticate(o *org, c *gqltest.Client) (auth.Viewer, error) {
	return o.app.Auth.Authenticate(sys(), c.Token)
}

func (o *org) newCustomer(t *testing.T, name, email string) gid.ID {
	t.Helper()
	c, err := o.app.Directory.CreateCustomer(sys(), directory.CreateCustomerInput{Name: name, Email: &email})
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

func (o *org) createTicket(t *testing.T, in ticketing.CreateTicketInput) gid.ID {
	t.Helper()
	if in.Channel == "" {
		in.Channel = ticket.ChannelEMAIL
	}
	tk, err := o.app.Tickets.CreateTicket(sys(), in)
	if err != nil {
		t.Fatal(err)
	}
	return tk.ID
}

func (o *org) comment(t *testing.T, ticketID gid.ID, body string, vis comment.Visibility) {
	t.Helper()
	if _, err := o.app.Tickets.AddComment(sys(), ticketing.AddCommentInput{TicketID: ticketID, Body: body, Visibility: vis}); err != nil {
		t.Fatal(err)
	}
}

// totalOf runs a query selecting field { totalCount } and returns it.
func totalOf(t *testing.T, c *gqltest.Client, field, query string, vars map[string]any) int {
	t.Helper()
	var out map[string]struct{ TotalCount int }
	c.Must(t, query, vars, &out)
	return out[field].TotalCount
}

// idsOf runs a query selecting field { edges { node { id } } } and
// returns the ids.
func idsOf(t *testing.T, c *gqltest.Client, field, query string, vars map[string]any) map[string]bool {
	t.Helper()
	var out map[string]json.RawMessage
	c.Must(t, query, vars, &out)
	var conn struct {
		Edges []struct{ Node struct{ ID string } }
	}
	if err := json.Unmarshal(out[field], &conn); err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, e := range conn.Edges {
		ids[e.Node.ID] = true
	}
	return ids
}

// TestIntegrationTokenReadsStaffContactsOnlyWithAgentsRead: an integration
// token sees who works on a ticket by name; agents' emails and handles,
// team rosters and filters over agents need the AGENTS_READ scope.
func TestIntegrationTokenReadsStaffContactsOnlyWithAgentsRead(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		o := newOrg(t, dial)
		cus := o.newCustomer(t, "Fay", "fay@example.org")
		tk := o.createTicket(t, ticketing.CreateTicketInput{Title: "Sync me", CustomerID: &cus, TeamID: ptr(o.teams["A"]), AssigneeID: ptr(o.agents["agentA"])})
		plain, _ := o.apiToken(t, map[string]any{"name": "Dashboard", "scopes": []string{"TICKETS_READ"}})
		staff, _ := o.apiToken(t, map[string]any{"name": "Directory sync", "scopes": []string{"TICKETS_READ", "AGENTS_READ"}})
		vars := map[string]any{"id": string(tk)}

		type view struct {
			Node *struct {
				Assignee *struct{ Name, Email, Handle string }
				Team     *struct {
					Memberships []struct{ Agent struct{ Name string } }
				}
			}
		}
		var named view
		plain.Must(t, `query($id: ID!) { node(id: $id) { ... on Ticket { assignee { name } team { memberships { agent { name } } } } } }`, vars, &named)
		if named.Node == nil || named.Node.Assignee == nil || named.Node.Assignee.Name != "agentA" {
			t.Fatalf("the token does not see the assignee's name: %+v", named.Node)
		}
		if named.Node.Team == nil || len(named.Node.Team.Memberships) != 0 {
			t.Fatalf("a token without AGENTS_READ reads the team roster: %+v", named.Node.Team)
		}
		for _, q := range []string{
			`query($id: ID!) { node(id: $id) { ... on Ticket { assignee { email } } } }`,
			`query($id: ID!) { node(id: $id) { ... on Ticket { assignee { handle } } } }`,
			`{ teams { edges { node { memberships { agent { email } } } } } }`,
		} {
			res := plain.Post(t, q, vars)
			if strings.Contains(string(res.Data), "@example.com") || strings.Contains(string(res.Data), `"agenta"`) {
				t.Fatalf("%s: a staff contact reached a token without AGENTS_READ: %s", q, res.Data)
			}
			for _, e := range res.Errors {
				if e.Code() != "FORBIDDEN" {
					t.Fatalf("%s: unexpected error %s: %s", q, e.Code(), e.Message)
				}
			}
		}
		if res := plain.Post(t, `query($id: ID!) { node(id: $id) { ... on Ticket { assignee { email } } } }`, vars); len(res.Errors) != 1 || res.Errors[0].Code() != "FORBIDDEN" {
			t.Fatalf("reading an assignee's email without AGENTS_READ: errors %+v", res.Errors)
		}
		probe := `{ tickets(where: {hasAssigneeWith: [{emailHasPrefix: "agenta"}]}) { totalCount } }`
		if n := totalOf(t, plain, "tickets", probe, nil); n != 0 {
			t.Fatalf("a token without AGENTS_READ probes staff emails through a filter: %d", n)
		}

		var full view
		staff.Must(t, `query($id: ID!) { node(id: $id) { ... on Ticket { assignee { name email handle } team { memberships { agent { name } } } } } }`, vars, &full)
		if full.Node.Assignee.Email != "agenta@example.com" || full.Node.Assignee.Handle != "agenta" || len(full.Node.Team.Memberships) != 3 {
			t.Fatalf("a token with AGENTS_READ: %+v %+v", *full.Node.Assignee, full.Node.Team)
		}
		if n := totalOf(t, staff, "tickets", probe, nil); n != 1 {
			t.Fatalf("a token with AGENTS_READ filters by assignee email: %d, want 1", n)
		}
	})
}
