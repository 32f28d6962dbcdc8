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

// TestEveryStatusPair checks the whole status machine: each of the 49
// (from, to) pairs is allowed exactly when DESIGN.md's machine allows it.
func TestEveryStatusPair(t *testing.T) {
	const (
		U = ticket.StatusUNASSIGNED
		O = ticket.StatusOPEN
		P = ticket.StatusIN_PROGRESS
		W = ticket.StatusWAITING
		R = ticket.StatusRESOLVED
		C = ticket.StatusCLOSED
		X = ticket.StatusCANCELLED
	)
	all := []ticket.Status{U, O, P, W, R, C, X}
	allowed := map[ticket.Status][]ticket.Status{
		U: {O, P, X},       // assigned (opened), or taken straight into work; cancelled
		O: {U, P, W, R, X}, // handed back, started, put on hold, resolved at once, cancelled
		P: {O, W, R, X},    // paused back to open, on hold, resolved, cancelled
		W: {P, R, X},       // resumed, resolved, cancelled
		R: {O, P, C, X},    // reopened (customer reply), closed, cancelled
		C: {},              // final
		X: {},              // final
	}
	if len(all) != len(transitions) {
		t.Fatalf("the test knows %d statuses, the machine %d", len(all), len(transitions))
	}
	for _, s := range all {
		if ticket.StatusValidator(s) != nil {
			t.Fatalf("%s is not a status of the schema", s)
		}
	}
	for _, from := range all {
		for _, to := range all {
			want := false
			for _, a := range allowed[from] {
				want = want || a == to
			}
			if got := CanTransition(from, to); got != want {
				t.Errorf("CanTransition(%s, %s) = %v, want %v", from, to, got, want)
			}
		}
	}
}
