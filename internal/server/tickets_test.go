package server_test

import (
	"fmt"
	"slices"
	"testing"
)

const createTicketMutation = `mutation($in: CreateTicketInput!) {
  createTicket(input: $in) { id number version status priority team { id } categoryPath { name level } }
}`

type ticketResult struct {
	ID           string
	Number       int
	Version      int
	Status       string
	Priority     string
	Team         *struct{ ID string }
	CategoryPath []struct {
		Name  string
		Level int
	}
}

func (e *env) createCustomer(t *testing.T, name, email string) string {
	t.Helper()
	var out struct{ CreateCustomer struct{ ID string } }
	e.admin.Must(t, `mutation($in: CreateCustomerInput!) { createCustomer(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"name": name, "email": email}}, &out)
	return out.CreateCustomer.ID
}

func (e *env) createCategory(t *testing.T, name string, parent string) string {
	t.Helper()
	in := map[string]any{"name": name}
	if parent != "" {
		in["parentID"] = parent
	}
	var out struct{ CreateCategory struct{ ID string } }
	e.admin.Must(t, `mutation($in: CreateCategoryInput!) { createCategory(input: $in) { id } }`,
		map[string]any{"in": in}, &out)
	return out.CreateCategory.ID
}

func (e *env) createTicket(t *testing.T, in map[string]any) ticketResult {
	t.Helper()
	var out struct{ CreateTicket ticketResult }
	e.admin.Must(t, createTicketMutation, map[string]any{"in": in}, &out)
	return out.CreateTicket
}

func TestCategoryTreeAndSubtreeFilter(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, e *env) {
		customer := e.createCustomer(t, "Nguyễn Văn An", "an@example.vn")
		billing := e.createCategory(t, "Billing", "")
		refunds := e.createCategory(t, "Refunds", billing)
		card := e.createCategory(t, "Card refunds", refunds)
		other := e.createCategory(t, "Delivery", "")

		err := e.admin.MustFail(t, "BAD_USER_INPUT",
			`mutation($in: CreateCategoryInput!) { createCategory(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"name": "Too deep", "parentID": card}})
		if err.Field() != "input.parentID" {
			t.Fatalf("fourth level: field = %q, want input.parentID (%s)", err.Field(), err.Message)
		}

		var levels struct {
			Categories struct{ TotalCount int }
		}
		e.admin.Must(t, `{ categories(where: {level: 3}) { totalCount } }`, nil, &levels)
		if levels.Categories.TotalCount != 1 {
			t.Fatalf("level-3 categories = %d, want 1 (the rejected one must not exist)", levels.Categories.TotalCount)
		}

		inRoot := e.createTicket(t, map[string]any{"title": "Invoice copy", "channel": "EMAIL", "customerID": customer, "categoryID": billing})
		inChild := e.createTicket(t, map[string]any{"title": "Refund status", "channel": "CHAT", "customerID": customer, "categoryID": refunds})
		inGrandchild := e.createTicket(t, map[string]any{"title": "Card refund missing", "channel": "PHONE", "customerID": customer, "categoryID": card})
		e.createTicket(t, map[string]any{"title": "Parcel late", "channel": "WEB", "customerID": customer, "categoryID": other})
		e.createTicket(t, map[string]any{"title": "No category", "channel": "API", "customerID": customer})

		if got := inGrandchild.CategoryPath; len(got) != 3 || got[0].Name != "Billing" || got[1].Name != "Refunds" || got[2].Name != "Card refunds" || got[2].Level != 3 {
			t.Fatalf("categoryPath = %+v, want Billing > Refunds > Card refunds", got)
		}

		for _, tc := range []struct {
			category string
			want     []int
		}{
			{billing, []int{inRoot.Number, inChild.Number, inGrandchild.Number}},
			{refunds, []int{inChild.Number, inGrandchild.Number}},
			{card, []int{inGrandchild.Number}},
		} {
			var res struct {
				Tickets struct {
					TotalCount int
					Edges      []struct{ Node struct{ Number int } }
				}
			}
			e.admin.Must(t, `query($c: ID!) { tickets(where: {inCategory: $c}, orderBy: [{field: NUMBER}]) { totalCount edges { node { number } } } }`,
				map[string]any{"c": tc.category}, &res)
			var got []int
			for _, edge := range res.Tickets.Edges {
				got = append(got, edge.Node.Number)
			}
			if !slices.Equal(got, tc.want) || res.Tickets.TotalCount != len(tc.want) {
				t.Errorf("tickets in subtree of %s = %v (total %d), want %v", tc.category, got, res.Tickets.TotalCount, tc.want)
			}
		}
	})
}

func TestTicketPagingOrderingAndFilters(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, e *env) {
		customer := e.createCustomer(t, "Paging Customer", "pages@example.com")
		priorities := []string{"LOW", "URGENT", "MEDIUM", "HIGH"}
		for i := range 12 {
			e.createTicket(t, map[string]any{
				"title": fmt.Sprintf("Ticket %02d", i), "channel": "EMAIL", "customerID": customer,
				"priority": priorities[i%4],
			})
		}
		// Page through by number, 5 at a time.
		var numbers []int
		after := any(nil)
		for page := 0; ; page++ {
			var res struct {
				Tickets struct {
					TotalCount int
					PageInfo   struct {
						HasNextPage bool
						EndCursor   string
					}
					Edges []struct{ Node struct{ Number int } }
				}
			}
			e.admin.Must(t, `query($after: Cursor) { tickets(first: 5, after: $after, orderBy: [{field: NUMBER, direction: DESC}]) {
				totalCount pageInfo { hasNextPage endCursor } edges { node { number } } } }`,
				map[string]any{"after": after}, &res)
			if res.Tickets.TotalCount != 12 {
				t.Fatalf("totalCount = %d, want 12", res.Tickets.TotalCount)
			}
			for _, edge := range res.Tickets.Edges {
				numbers = append(numbers, edge.Node.Number)
			}
			if !res.Tickets.PageInfo.HasNextPage {
				break
			}
			after = res.Tickets.PageInfo.EndCursor
			if page > 5 {
				t.Fatal("paging does not end")
			}
		}
		want := []int{12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}
		if !slices.Equal(numbers, want) {
			t.Fatalf("paged numbers = %v, want %v", numbers, want)
		}

		// Ordering by priority sorts by urgency, not by name.
		var byPriority struct {
			Tickets struct {
				Edges []struct{ Node struct{ Priority string } }
			}
		}
		e.admin.Must(t, `{ tickets(first: 12, orderBy: [{field: PRIORITY}, {field: NUMBER}]) { edges { node { priority } } } }`, nil, &byPriority)
		var got []string
		for _, edge := range byPriority.Tickets.Edges {
			if len(got) == 0 || got[len(got)-1] != edge.Node.Priority {
				got = append(got, edge.Node.Priority)
			}
		}
		if !slices.Equal(got, []string{"URGENT", "HIGH", "MEDIUM", "LOW"}) {
			t.Fatalf("priority order = %v, want URGENT, HIGH, MEDIUM, LOW", got)
		}

		var filtered struct{ Tickets struct{ TotalCount int } }
		e.admin.Must(t, `{ tickets(where: {priorityIn: [URGENT, HIGH], titleContains: "Ticket"}) { totalCount } }`, nil, &filtered)
		if filtered.Tickets.TotalCount != 6 {
			t.Fatalf("URGENT or HIGH tickets = %d, want 6", filtered.Tickets.TotalCount)
		}

		e.admin.MustFail(t, "BAD_USER_INPUT", `{ tickets(first: 101) { totalCount } }`, nil)
		e.admin.MustFail(t, "BAD_USER_INPUT", `{ customers(first: 5) { edges { node { tickets(last: 500) { totalCount } } } } }`, nil)

		// Without first or last a connection returns a bounded first page.
		var unbounded struct {
			Tickets struct {
				Edges    []struct{ Node struct{ ID string } }
				PageInfo struct{ HasNextPage bool }
			}
		}
		e.admin.Must(t, `{ tickets { edges { node { id } } pageInfo { hasNextPage } } }`, nil, &unbounded)
		if len(unbounded.Tickets.Edges) != 12 || unbounded.Tickets.PageInfo.HasNextPage {
			t.Fatalf("unbounded query returned %d tickets (hasNextPage %v), want all 12",
				len(unbounded.Tickets.Edges), unbounded.Tickets.PageInfo.HasNextPage)
		}
	})
}
