package schematype

import (
	"fmt"
	"io"
	"strconv"
)

// Priority is a ticket's urgency. It lives here rather than in the generated
// ticket package because SLA targets and categories refer to it too.
type Priority string

// Priorities, most urgent first.
const (
	PriorityUrgent Priority = "URGENT"
	PriorityHigh   Priority = "HIGH"
	PriorityMedium Priority = "MEDIUM"
	PriorityLow    Priority = "LOW"
)

// Values lists the priorities, most urgent first (ent uses it for the enum).
func (Priority) Values() []string {
	return []string{string(PriorityUrgent), string(PriorityHigh), string(PriorityMedium), string(PriorityLow)}
}

// Rank orders priorities for sorting: 1 is the most urgent; 0 is unknown.
func (p Priority) Rank() int {
	for i, v := range p.Values() {
		if v == string(p) {
			return i + 1
		}
	}
	return 0
}

// Valid reports whether p is one of the known priorities.
func (p Priority) Valid() bool { return p.Rank() > 0 }

// String returns the priority's name.
func (p Priority) String() string { return string(p) }

// MarshalGQL implements graphql.Marshaler.
func (p Priority) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(p))) }

// UnmarshalGQL implements graphql.Unmarshaler.
func (p *Priority) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("priority must be a string, got %T", v)
	}
	*p = Priority(s)
	if !p.Valid() {
		return fmt.Errorf("%q is not a valid TicketPriority", s)
	}
	return nil
}
