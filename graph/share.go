package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"helpdesk/ent"
	"helpdesk/internal/realtime"
)

// shareDeliveries lets the subscribers of one live queue who would
// receive the same payload for an event encode it once: the first
// executes the operation, the others send the payload it produced.
//
// Payloads are shared only when they cannot differ: the same viewer (every
// field of auth.Viewer, so the same role, teams, scopes, token and agent:
// field guards and read scopes decide alike), the same operation (query
// text and operation name) with the same variables, the same delivery of
// the same event to the same queue (realtime.Shared is per event and
// cohort; the queue change, withheld state and count are part of the
// key). A payload with errors or extensions is never shared. Replayed
// deliveries (after a cursor) and ticketChanged share nothing.
//
// It must be the innermost operation middleware: the outer ones still see
// every response.
func shareDeliveries(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	if oc == nil || oc.Operation == nil || oc.Operation.Operation != ast.Subscription {
		return next(ctx)
	}
	t := &tap{}
	responses := next(context.WithValue(ctx, tapKey{}, t))
	if t.in == nil {
		// Not a live queue: nothing to share.
		return responses
	}
	vars, err := json.Marshal(oc.Variables)
	if err != nil {
		return t.passThrough(responses)
	}
	prefix := fmt.Sprintf("%#v\x00%s\x00%s\x00%s\x00", viewer(ctx), oc.OperationName, oc.RawQuery, vars)
	return func(ctx context.Context) *graphql.Response {
		if t.ended {
			return responses(ctx)
		}
		var d *ent.TicketEvent
		select {
		case ev, ok := <-t.in:
			if !ok {
				t.end()
				return responses(ctx)
			}
			d = ev
		case <-ctx.Done():
			return nil
		}
		shared := realtime.SharedOf(d)
		var key string
		if shared != nil {
			key = prefix + d.Delivery.QueueChange + "\x00" + strconv.FormatBool(d.Delivery.Withheld) + "\x00" + strconv.Itoa(d.Delivery.TotalCount)
			if payload, ok := shared.Payload(key); ok {
				return &graphql.Response{Data: payload}
			}
		}
		t.out <- d
		resp := responses(ctx)
		if shared != nil && resp != nil && len(resp.Errors) == 0 && len(resp.Extensions) == 0 && len(resp.Data) > 0 {
			// The executor reuses its buffer for the next response.
			shared.Keep(key, bytes.Clone(resp.Data))
		}
		return resp
	}
}

// tap stands between a live queue's deliveries and gqlgen's execution of
// them (see shareDeliveries): the resolver hands gqlgen out, and
// shareDeliveries moves each delivery from in to out, unless another
// subscriber's payload serves.
type tap struct {
	in    <-chan *ent.TicketEvent
	out   chan *ent.TicketEvent
	ended bool
}

type tapKey struct{}

// tapped returns the channel to hand gqlgen for a live queue's deliveries
// on deliveries: a tap's, when the operation has one (once), else
// deliveries itself.
func tapped(ctx context.Context, deliveries <-chan *ent.TicketEvent) <-chan *ent.TicketEvent {
	t, ok := ctx.Value(tapKey{}).(*tap)
	if !ok || t.in != nil {
		return deliveries
	}
	t.in, t.out = deliveries, make(chan *ent.TicketEvent, 1)
	return t.out
}

// end closes the channel gqlgen reads once the deliveries end.
func (t *tap) end() {
	if !t.ended {
		t.ended = true
		close(t.out)
	}
}

// passThrough moves every delivery from in to out unshared.
func (t *tap) passThrough(responses graphql.ResponseHandler) graphql.ResponseHandler {
	return func(ctx context.Context) *graphql.Response {
		if !t.ended {
			select {
			case ev, ok := <-t.in:
				if !ok {
					t.end()
				} else {
					t.out <- ev
				}
			case <-ctx.Done():
				return nil
			}
		}
		return responses(ctx)
	}
}
