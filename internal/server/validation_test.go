package server_test

import (
	"fmt"
	"strings"
	"testing"

	"helpdesk/internal/auth"
)

// counts reads how many tickets, customers, events and tags exist.
func (e *env) counts(t *testing.T) [4]int {
	t.Helper()
	ctx := auth.WithViewer(t.Context(), auth.System)
	c := e.db.Client
	var out [4]int
	var err error
	if out[0], err = c.Ticket.Query().Count(ctx); err != nil {
		t.Fatal(err)
	}
	if out[1], err = c.Customer.Query().Count(ctx); err != nil {
		t.Fatal(err)
	}
	if out[2], err = c.TicketEvent.Query().Count(ctx); err != nil {
		t.Fatal(err)
	}
	if out[3], err = c.Tag.Query().Count(ctx); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestInvalidInputIsRefusedAndChangesNothing(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, e *env) {
		customer := e.createCustomer(t, "Valid Customer", "valid@example.com")
		existing := e.createTicket(t, map[string]any{"title": "Existing", "channel": "EMAIL", "customerID": customer})
		before := e.counts(t)

		cases := []struct {
			name, code, field, query string
			vars                     map[string]any
		}{
			{"blank title", "BAD_USER_INPUT", "input.title", createTicketMutation,
				map[string]any{"in": map[string]any{"title": "  ", "channel": "EMAIL", "customerID": customer, "tags": []string{"new-tag"}}}},
			{"missing customer", "BAD_USER_INPUT", "input.customerID", createTicketMutation,
				map[string]any{"in": map[string]any{"title": "No customer", "channel": "EMAIL", "tags": []string{"new-tag"}}}},
			{"unknown customer", "BAD_USER_INPUT", "input.customerID", createTicketMutation,
				map[string]any{"in": map[string]any{"title": "Ghost", "channel": "EMAIL", "customerID": "cus_01JD00000000000000000000AB", "tags": []string{"new-tag"}}}},
			{"unknown category", "BAD_USER_INPUT", "input.categoryID", createTicketMutation,
				map[string]any{"in": map[string]any{"title": "Ghost", "channel": "EMAIL", "customerID": customer, "categoryID": "cat_01JD00000000000000000000AB"}}},
			{"bad enum", "BAD_USER_INPUT", "in.priority", createTicketMutation,
				map[string]any{"in": map[string]any{"title": "Bad priority", "channel": "EMAIL", "customerID": customer, "priority": "SUPER"}}},
			{"missing required field", "BAD_USER_INPUT", "in.channel", createTicketMutation,
				map[string]any{"in": map[string]any{"title": "No channel", "customerID": customer}}},
			{"bad email", "BAD_USER_INPUT", "input.email",
				`mutation($in: CreateCustomerInput!) { createCustomer(input: $in) { id } }`,
				map[string]any{"in": map[string]any{"name": "Bad Email", "email": "not-an-email"}}},
			{"duplicate email", "CONFLICT", "",
				`mutation($in: CreateCustomerInput!) { createCustomer(input: $in) { id } }`,
				map[string]any{"in": map[string]any{"name": "Twin", "email": "VALID@example.com"}}},
			{"update unknown ticket", "NOT_FOUND", "",
				`mutation($id: ID!) { updateTicket(id: $id, input: {title: "x"}) { id } }`,
				map[string]any{"id": "tkt_01JD00000000000000000000AB"}},
		}
		manyTags := make([]string, 50_000)
		for i := range manyTags {
			manyTags[i] = fmt.Sprintf("tag-%d", i)
		}
		manyFields := map[string]any{}
		for i := range 15_000 {
			manyFields[fmt.Sprintf("k%d", i)] = i
		}
		manyIDs := make([]string, 51)
		for i := range manyIDs {
			manyIDs[i] = "agt_01JD00000000000000000000AB"
		}
		cases = append(cases, []struct {
			name, code, field, query string
			vars                     map[string]any
		}{
			{"50,000 tags", "BAD_USER_INPUT", "input.tags", createTicketMutation,
				map[string]any{"in": map[string]any{"title": "Tagged", "channel": "EMAIL", "customerID": customer, "tags": manyTags}}},
			{"15,000 custom fields", "BAD_USER_INPUT", "input.customFields", createTicketMutation,
				map[string]any{"in": map[string]any{"title": "Custom", "channel": "EMAIL", "customerID": customer, "customFields": manyFields}}},
			{"51 watchers", "BAD_USER_INPUT", "input.watcherIDs", createTicketMutation,
				map[string]any{"in": map[string]any{"title": "Watched", "channel": "EMAIL", "customerID": customer, "watcherIDs": manyIDs}}},
			{"customer custom fields", "BAD_USER_INPUT", "input.customFields",
				`mutation($in: CreateCustomerInput!) { createCustomer(input: $in) { id } }`,
				map[string]any{"in": map[string]any{"name": "Custom", "customFields": manyFields}}},
			{"51 mentions", "BAD_USER_INPUT", "input.mentionIDs",
				`mutation($id: ID!, $m: [ID!]) { addComment(input: {ticketID: $id, body: "hi", mentionIDs: $m}) { id } }`,
				map[string]any{"id": existing.ID, "m": manyIDs}},
			{"51 added tags", "BAD_USER_INPUT", "input.addTags",
				`mutation($id: ID!, $t: [String!]) { updateTicket(id: $id, input: {addTags: $t}) { id } }`,
				map[string]any{"id": existing.ID, "t": manyTags[:51]}},
		}...)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				err := e.admin.MustFail(t, tc.code, tc.query, tc.vars)
				if tc.field != "" && err.Field() != tc.field {
					t.Errorf("field = %q, want %q (%s)", err.Field(), tc.field, err.Message)
				}
				if strings.Contains(strings.ToLower(err.Message), "sql") {
					t.Errorf("error message leaks storage details: %q", err.Message)
				}
			})
		}
		if after := e.counts(t); after != before {
			t.Fatalf("refused mutations changed the database: tickets/customers/events/tags %v → %v", before, after)
		}
	})
}
