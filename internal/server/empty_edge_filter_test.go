package server_test

import (
	"testing"

	"helpdesk/ent/comment"
	"helpdesk/internal/testdb"
	"helpdesk/internal/ticketing"
)

// TestEmptyEdgeFilterMeansHasAny: `hasYWith: [{}]` asks for "has any Y"
// and means the same as `hasY: true` for every viewer, whether or not the
// viewer's read scope adds to the filter.
func TestEmptyEdgeFilterMeansHasAny(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		o := newOrg(t, dial)
		cus := o.newCustomer(t, "Gil", "gil@example.com")
		commented := o.createTicket(t, ticketing.CreateTicketInput{Title: "Commented", CustomerID: &cus, TeamID: ptr(o.teams["A"]), AssigneeID: ptr(o.agents["agentA"])})
		o.comment(t, commented, "First reply", comment.VisibilityPUBLIC)
		o.createTicket(t, ticketing.CreateTicketInput{Title: "Silent", CustomerID: &cus, TeamID: ptr(o.teams["A"]), AssigneeID: ptr(o.agents["agentA"])})

		for _, viewer := range []string{"admin", "agentA"} {
			c := o.clients[viewer]
			want := totalOf(t, c, "tickets", `{ tickets(where: {hasComments: true}) { totalCount } }`, nil)
			if want != 1 {
				t.Fatalf("control: %s: hasComments: true = %d, want 1", viewer, want)
			}
			for _, filter := range []string{
				`{hasCommentsWith: [{}]}`,
				`{hasCommentsWith: [{}, {}]}`,
				`{or: [{hasCommentsWith: [{}]}]}`,
				`{hasCustomerWith: [{hasTicketsWith: [{hasCommentsWith: [{}]}]}], hasCommentsWith: [{}]}`,
			} {
				if n := totalOf(t, c, "tickets", `{ tickets(where: `+filter+`) { totalCount } }`, nil); n != want {
					t.Fatalf("%s: tickets(where: %s) = %d, want %d", viewer, filter, n, want)
				}
			}
			if n := totalOf(t, c, "tickets", `{ tickets(where: {not: {hasCommentsWith: [{}]}}) { totalCount } }`, nil); n != 1 {
				t.Fatalf("%s: not hasCommentsWith [{}] = %d, want 1", viewer, n)
			}
			for filter, want := range map[string]int{
				`{and: [{}], titleContains: "Silent"}`:         1,
				`{or: [{}, {titleContains: "Silent"}]}`:        2,
				`{and: [{or: [{}]}, {hasCommentsWith: [{}]}]}`: 1,
			} {
				if n := totalOf(t, c, "tickets", `{ tickets(where: `+filter+`) { totalCount } }`, nil); n != want {
					t.Fatalf("%s: tickets(where: %s) = %d, want %d", viewer, filter, n, want)
				}
			}
			c.MustFail(t, "BAD_USER_INPUT", `{ tickets(where: {not: {}}) { totalCount } }`, nil)
			c.MustFail(t, "BAD_USER_INPUT", `{ tickets(where: {hasCommentsWith: [{not: {and: [{}]}}]}) { totalCount } }`, nil)
		}
	})
}
