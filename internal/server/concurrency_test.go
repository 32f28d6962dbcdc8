package server_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"helpdesk/ent/ticketevent"
	"helpdesk/internal/events"
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

// TestConcurrentChangesToOneTicketAllSucceed sends 20 updates without an
// expected version and 20 comments to one ticket at once: each must
// succeed (a change that does not name a version never fails because
// another writer got there first), and each must be in the history.
func TestConcurrentChangesToOneTicketAllSucceed(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *env) {
		customer := e.createCustomer(t, "Crowded Customer", "crowded@example.com")
		tk := e.createTicket(t, map[string]any{"title": "Hot ticket", "channel": "CHAT", "customerID": customer})
		const n = 20
		errs := make(chan error, 2*n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(2)
			go func() {
				defer wg.Done()
				res := e.admin.Post(t, `mutation($id: ID!, $title: String!) { updateTicket(id: $id, input: {title: $title}) { version } }`,
					map[string]any{"id": tk.ID, "title": fmt.Sprintf("Hot ticket, take %d", i)})
				if len(res.Errors) > 0 {
					errs <- fmt.Errorf("update %d: %s", i, res.Errors[0].Message)
				}
			}()
			go func() {
				defer wg.Done()
				res := e.admin.Post(t, `mutation($id: ID!, $body: String!) { addComment(input: {ticketID: $id, body: $body}) { id } }`,
					map[string]any{"id": tk.ID, "body": fmt.Sprintf("Reply %d", i)})
				if len(res.Errors) > 0 {
					errs <- fmt.Errorf("comment %d: %s", i, res.Errors[0].Message)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		var got struct {
			Node struct {
				Version  int
				Comments struct{ TotalCount int }
				Events   struct{ TotalCount int }
			}
		}
		e.admin.Must(t, `query($id: ID!) { node(id: $id) { ... on Ticket { version comments { totalCount } events { totalCount } } } }`,
			map[string]any{"id": tk.ID}, &got)
		if got.Node.Comments.TotalCount != n {
			t.Errorf("comments = %d, want %d", got.Node.Comments.TotalCount, n)
		}
		if want := 1 + 2*n; got.Node.Version != want || got.Node.Events.TotalCount != want {
			t.Errorf("version = %d, events = %d, want %d each", got.Node.Version, got.Node.Events.TotalCount, want)
		}
	})
}

// Creations do not wait for each other's transactions: the number comes
// from a sequence, which holds no lock. One creation stops in a reactor
// (its transaction open, its ticket written and numbered) while nine
// others commit; then it commits too. The ten numbers are 1…10, each
// once. PostgreSQL only: SQLite runs one writer at a time by design.
func TestCreationsDoNotWaitForASlowOne(t *testing.T) {
	e := newEnv(t, dialect.Postgres)
	customer := e.createCustomer(t, "Patient Customer", "patient@example.com")
	entered, release := make(chan struct{}), make(chan struct{})
	e.app.Events.React(events.ReactorFunc(func(ctx context.Context, tx *events.Tx, c events.Change) error {
		if c.Kind != ticketevent.KindCREATED {
			return nil
		}
		for _, f := range c.Changes {
			if f.Field == "title" && f.To != nil && *f.To == "Slow" {
				close(entered)
				select {
				case <-release:
				case <-time.After(30 * time.Second):
					return errors.New("the other creations never finished")
				}
			}
		}
		return nil
	}))
	slow := make(chan ticketResult, 1)
	go func() {
		var out struct{ CreateTicket ticketResult }
		res := e.admin.Post(t, createTicketMutation, map[string]any{"in": map[string]any{"title": "Slow", "channel": "API", "customerID": customer}})
		if len(res.Errors) == 0 && jsonUnmarshal(res.Data, &out) == nil {
			slow <- out.CreateTicket
		}
		close(slow)
	}()
	<-entered
	var numbers []int
	for i := range 9 {
		numbers = append(numbers, e.createTicket(t, map[string]any{"title": fmt.Sprintf("Quick %d", i), "channel": "API", "customerID": customer}).Number)
	}
	close(release)
	s, ok := <-slow
	if !ok {
		t.Fatal("the slow creation failed")
	}
	all := append(slices.Clone(numbers), s.Number)
	slices.Sort(all)
	if !slices.Equal(all, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}) {
		t.Fatalf("quick numbers %v (taken while the slow one waited), slow %d: want 1…10, each once", numbers, s.Number)
	}
}
