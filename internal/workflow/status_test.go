package workflow

import (
	"testing"

	"helpdesk/ent/ticket"
)

func TestStatusTransitions(t *testing.T) {
	allowed := []struct{ from, to ticket.Status }{
		{ticket.StatusUNASSIGNED, ticket.StatusOPEN},
		{ticket.StatusOPEN, ticket.StatusIN_PROGRESS},
		{ticket.StatusIN_PROGRESS, ticket.StatusWAITING},
		{ticket.StatusWAITING, ticket.StatusIN_PROGRESS},
		{ticket.StatusIN_PROGRESS, ticket.StatusRESOLVED},
		{ticket.StatusRESOLVED, ticket.StatusCLOSED},
		{ticket.StatusRESOLVED, ticket.StatusOPEN},
		{ticket.StatusWAITING, ticket.StatusCANCELLED},
	}
	for _, tc := range allowed {
		if !CanTransition(tc.from, tc.to) {
			t.Errorf("%s → %s refused, want allowed", tc.from, tc.to)
		}
	}
	refused := []struct{ from, to ticket.Status }{
		{ticket.StatusUNASSIGNED, ticket.StatusRESOLVED},
		{ticket.StatusUNASSIGNED, ticket.StatusCLOSED},
		{ticket.StatusIN_PROGRESS, ticket.StatusCLOSED},
		{ticket.StatusCLOSED, ticket.StatusOPEN},
		{ticket.StatusCANCELLED, ticket.StatusOPEN},
		{ticket.StatusOPEN, ticket.StatusCLOSED},
	}
	for _, tc := range refused {
		if CanTransition(tc.from, tc.to) {
			t.Errorf("%s → %s allowed, want refused", tc.from, tc.to)
		}
	}
	// Every status but the final ones can be cancelled.
	for st := range transitions {
		if IsFinal(st) != (st == ticket.StatusCLOSED || st == ticket.StatusCANCELLED) {
			t.Errorf("IsFinal(%s) = %v", st, IsFinal(st))
		}
		if !IsFinal(st) && !CanTransition(st, ticket.StatusCANCELLED) {
			t.Errorf("%s cannot be cancelled", st)
		}
	}
}
