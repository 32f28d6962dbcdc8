package server_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
)

// TestConcurrentTicketNumbers creates 100 tickets at once: their numbers
// must be distinct and consecutive, with no gaps.
func TestConcurrentTicketNumbers(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *env) {
		customer := e.createCustomer(t, "Busy Customer", "busy@example.com")
		const n = 100
		numbers := make([]int, n)
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res := e.admin.Post(t, createTicketMutation, map[string]any{"in": map[string]any{
					"title": fmt.Sprintf("Concurrent %d", i), "channel": "API", "customerID": customer, "tags": []string{"rush"},
				}})
				if len(res.Errors) > 0 {
					errs <- fmt.Errorf("ticket %d: %s", i, res.Errors[0].Message)
					return
				}
				var out struct{ CreateTicket ticketResult }
				if err := jsonUnmarshal(res.Data, &out); err != nil {
					errs <- err
					return
				}
				numbers[i] = out.CreateTicket.Number
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		slices.Sort(numbers)
		for i, got := range numbers {
			if got != i+1 {
				t.Fatalf("sorted numbers[%d] = %d, want %d (numbers: %v)", i, got, i+1, numbers)
			}
		}
		var count struct{ Tickets struct{ TotalCount int } }
		e.admin.Must(t, `{ tickets { totalCount } }`, nil, &count)
		if count.Tickets.TotalCount != n {
			t.Fatalf("totalCount = %d, want %d", count.Tickets.TotalCount, n)
		}
	})
}
