package graph

import (
	"slices"
	"testing"

	"helpdesk/ent/ticket"
	"helpdesk/graph/generated"
)

// Every field of the GraphQL Ticket type is either mapped to the ticket
// columns its resolver reads, or listed as reading all of them: a new
// field must be placed before a page of tickets may leave columns out for
// it. Each mapped column exists.
func TestTicketFieldColumnsCoverTheSchema(t *testing.T) {
	readsAll := []string{"slaTimeline"}
	schema := generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{}}).Schema()
	def := schema.Types["Ticket"]
	if def == nil {
		t.Fatal("no Ticket type in the schema")
	}
	for _, f := range def.Fields {
		cols, ok := ticketFieldColumns[f.Name]
		switch {
		case ok && slices.Contains(readsAll, f.Name):
			t.Errorf("Ticket.%s is both mapped and listed as reading every column", f.Name)
		case !ok && !slices.Contains(readsAll, f.Name):
			t.Errorf("Ticket.%s has no entry in ticketFieldColumns (or in readsAll)", f.Name)
		}
		for _, c := range cols {
			if !ticket.ValidColumn(c) {
				t.Errorf("Ticket.%s maps to %q, not a ticket column", f.Name, c)
			}
		}
	}
	// Scalar fields map to their own column.
	for field, col := range map[string]string{"number": ticket.FieldNumber, "firstResponseDueAt": ticket.FieldFirstResponseDueAt,
		"slaPolicyID": ticket.FieldSLAPolicyID, "customFields": ticket.FieldCustomFields} {
		if got := ticketFieldColumns[field]; !slices.Equal(got, []string{col}) {
			t.Errorf("Ticket.%s reads %v, want [%s]", field, got, col)
		}
	}
}
