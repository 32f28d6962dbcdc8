package graph

import (
	"strings"
	"testing"
	"time"

	"helpdesk/ent"
	"helpdesk/graph/generated"
)

// Every connection in the schema must be known to CheckCursors, or its
// cursors would go unchecked.
func TestEveryConnectionHasACursorNodeType(t *testing.T) {
	schema := generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{}}).Schema()
	for name := range schema.Types {
		if strings.HasSuffix(name, "Connection") && connectionNodes[name] == "" {
			t.Errorf("connection %s has no entry in connectionNodes", name)
		}
	}
}

func TestCursorValuesMatchTheOrder(t *testing.T) {
	byNumber := &ent.TicketOrder{Field: ent.TicketOrderFieldNumber}
	byCreated := &ent.TicketOrder{Field: ent.TicketOrderFieldCreatedAt}
	byDue := &ent.TicketOrder{Field: ent.TicketOrderFieldResolutionDueAt}
	byTitle := &ent.TicketOrder{Field: ent.TicketOrderFieldTitle}
	now := time.Now()
	for _, tc := range []struct {
		name    string
		value   any
		orderBy any
		ok      bool
	}{
		{"no value", nil, []*ent.TicketOrder{byNumber}, true},
		{"empty list, no order", []any{}, []*ent.TicketOrder(nil), true},
		{"number", []any{int64(42)}, []*ent.TicketOrder{byNumber}, true},
		{"time then text", []any{now, "Printer"}, []*ent.TicketOrder{byCreated, byTitle}, true},
		{"null in a nullable field", []any{nil}, []*ent.TicketOrder{byDue}, true},
		{"time in a nullable time field", []any{now}, []*ent.TicketOrder{byDue}, true},
		{"text where a number is ordered", []any{"abc"}, []*ent.TicketOrder{byNumber}, false},
		{"text where a time is ordered", []any{"yesterday"}, []*ent.TicketOrder{byCreated}, false},
		{"too few values", []any{now}, []*ent.TicketOrder{byCreated, byTitle}, false},
		{"not a list", "abc", []*ent.TicketOrder{byTitle}, false},
		{"a map", []any{map[string]any{"x": 1}}, []*ent.TicketOrder{byTitle}, false},
		{"single order", "Printer", byTitle, true},
		{"single order, wrong kind", true, byTitle, false},
		{"value without any order", "Printer", nil, false},
	} {
		if got := cursorValuesMatch(tc.value, tc.orderBy); got != tc.ok {
			t.Errorf("%s: cursorValuesMatch = %v, want %v", tc.name, got, tc.ok)
		}
	}
}
