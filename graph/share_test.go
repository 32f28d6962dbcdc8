package graph

import (
	"context"
	"fmt"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"helpdesk/ent"
	"helpdesk/ent/agent"
	"helpdesk/internal/auth"
	"helpdesk/internal/gid"
	"helpdesk/internal/realtime"
)

// shareSubscriber is one subscription through shareDeliveries, whose
// execution records how often it ran and answers with what it ran for.
type shareSubscriber struct {
	deliveries chan *ent.TicketEvent
	responses  graphql.ResponseHandler
	executions int
	fail       bool // answer with an error
}

func subscribeShared(t *testing.T, v auth.Viewer, query string, vars map[string]any) *shareSubscriber {
	t.Helper()
	s := &shareSubscriber{deliveries: make(chan *ent.TicketEvent)}
	ctx := auth.WithViewer(context.Background(), v)
	ctx = graphql.WithOperationContext(ctx, &graphql.OperationContext{
		RawQuery:  query,
		Variables: vars,
		Operation: &ast.OperationDefinition{Operation: ast.Subscription},
	})
	s.responses = shareDeliveries(ctx, func(ctx context.Context) graphql.ResponseHandler {
		ch := tapped(ctx, s.deliveries)
		return func(ctx context.Context) *graphql.Response {
			d, ok := <-ch
			if !ok {
				return nil
			}
			s.executions++
			resp := &graphql.Response{Data: fmt.Appendf(nil, `{"as":%q,"seq":%d,"change":%q,"total":%d}`,
				v.Role, d.Sequence, d.Delivery.QueueChange, d.Delivery.TotalCount)}
			if s.fail {
				resp.Errors = gqlerror.List{{Message: "refused"}}
			}
			return resp
		}
	})
	return s
}

// receive hands d to the subscription and returns its payload.
func (s *shareSubscriber) receive(t *testing.T, d *ent.TicketEvent) string {
	t.Helper()
	go func() { s.deliveries <- d }()
	resp := s.responses(context.Background())
	if resp == nil {
		t.Fatal("the subscription ended")
	}
	return string(resp.Data)
}

func deliveryOf(seq int64, change string, total int, shared *realtime.Shared) *ent.TicketEvent {
	d := &ent.TicketEvent{ID: gid.ID(fmt.Sprintf("tev_%d", seq)), Sequence: seq}
	d.Delivery = &ent.TicketEventDelivery{QueueChange: change, TotalCount: total}
	if shared != nil {
		d.Delivery.Shared = shared
	}
	return d
}

// TestSharedDeliveriesOnlyAmongIdenticalSubscribers checks that a live
// queue's payload is executed once for subscribers who would receive the
// same, and never handed to a subscriber whose viewer, operation,
// variables or delivery differ.
func TestSharedDeliveriesOnlyAmongIdenticalSubscribers(t *testing.T) {
	const query = `subscription($where: TicketWhereInput) { ticketEvents(where: $where) { id } }`
	where := map[string]any{"where": map[string]any{"teamID": "tea_1"}}
	agentA := auth.Viewer{AgentID: "agt_a", Name: "A", Role: agent.RoleAGENT, TeamIDs: []gid.ID{"tea_1"}}
	manager := auth.Viewer{AgentID: "agt_m", Name: "M", Role: agent.RoleMANAGER}

	first := subscribeShared(t, agentA, query, where)
	second := subscribeShared(t, agentA, query, where)
	otherViewer := subscribeShared(t, manager, query, where)
	otherVars := subscribeShared(t, agentA, query, map[string]any{"where": map[string]any{"teamID": "tea_2"}})
	otherQuery := subscribeShared(t, agentA, query+" ", where)

	shared := &realtime.Shared{}
	want := first.receive(t, deliveryOf(7, "CHANGED", 3, shared))
	if got := second.receive(t, deliveryOf(7, "CHANGED", 3, shared)); got != want || second.executions != 0 {
		t.Fatalf("same viewer, operation and delivery: got %s after %d executions, want %s shared", got, second.executions, want)
	}
	for name, s := range map[string]*shareSubscriber{"another viewer": otherViewer, "other variables": otherVars, "another query": otherQuery} {
		s.receive(t, deliveryOf(7, "CHANGED", 3, shared))
		if s.executions != 1 {
			t.Errorf("%s: executed %d times, want its own execution", name, s.executions)
		}
	}
	if got := otherViewer.receive(t, deliveryOf(7, "CHANGED", 3, shared)); got == want {
		t.Errorf("a manager received the agent's payload %s", got)
	}

	// Another delivery of the same event (count, change) is executed again.
	second.receive(t, deliveryOf(7, "CHANGED", 4, shared))
	second.receive(t, deliveryOf(7, "LEFT", 3, shared))
	if second.executions != 2 {
		t.Errorf("other deliveries of the event: %d executions, want 2", second.executions)
	}
	// Without a Shared (replays, ticketChanged) nothing is shared.
	first.receive(t, deliveryOf(8, "CHANGED", 3, nil))
	second.receive(t, deliveryOf(8, "CHANGED", 3, nil))
	if first.executions != 2 || second.executions != 3 {
		t.Errorf("unshared deliveries: executions %d and %d, want 2 and 3", first.executions, second.executions)
	}
	// A payload with errors is not shared.
	next := &realtime.Shared{}
	first.fail = true
	first.receive(t, deliveryOf(9, "CHANGED", 3, next))
	second.receive(t, deliveryOf(9, "CHANGED", 3, next))
	if second.executions != 4 {
		t.Errorf("after a payload with errors: %d executions, want 4", second.executions)
	}

	// The end of the deliveries ends the subscription.
	close(first.deliveries)
	if resp := first.responses(context.Background()); resp != nil {
		t.Fatalf("after the end: %+v", resp)
	}
}
