package graph

import (
	"context"
	"slices"
	"sync"

	"github.com/99designs/gqlgen/graphql"

	"helpdesk/ent"
	"helpdesk/internal/gid"
	"helpdesk/internal/sla"
)

// slaTimelines loads the SLA clocks of a ticket together with those of
// every ticket in the list it was resolved in (a page's edges, or a list
// of tickets), so that a page costs the same statements whatever its
// size. Unlike a loader that waits for siblings, the batch is the list
// itself: it never splits on a busy machine. The tickets come from
// resolvers that read them as the viewer, so the viewer may read their
// clocks.
type slaTimelines struct {
	engine  *sla.Engine
	mu      sync.Mutex
	batches map[*ent.Ticket]*timelineBatch
}

type timelineBatch struct {
	once    sync.Once
	tickets []*ent.Ticket
	byID    map[gid.ID][]*sla.TimelineEntry
	err     error
}

type slaTimelinesKey struct{}

// withSLATimelines gives each operation its own timeline batches.
func withSLATimelines(engine *sla.Engine) graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		l := &slaTimelines{engine: engine, batches: map[*ent.Ticket]*timelineBatch{}}
		return next(context.WithValue(ctx, slaTimelinesKey{}, l))
	}
}

// slaTimeline returns t's SLA clocks, loading them with its siblings'.
func slaTimeline(ctx context.Context, engine *sla.Engine, t *ent.Ticket) ([]*sla.TimelineEntry, error) {
	l, ok := ctx.Value(slaTimelinesKey{}).(*slaTimelines)
	if !ok {
		l = &slaTimelines{engine: engine, batches: map[*ent.Ticket]*timelineBatch{}}
	}
	l.mu.Lock()
	b, ok := l.batches[t]
	if !ok {
		b = &timelineBatch{}
		for _, s := range siblingTickets(ctx, t) {
			if _, taken := l.batches[s]; !taken {
				l.batches[s] = b
				b.tickets = append(b.tickets, s)
			}
		}
	}
	l.mu.Unlock()
	b.once.Do(func() {
		b.byID, b.err = l.engine.Timelines(ctx, b.tickets)
	})
	if b.err != nil {
		return nil, b.err
	}
	return b.byID[t.ID], nil
}

// siblingTickets returns the tickets of the closest enclosing list that
// holds t (t alone when there is none).
func siblingTickets(ctx context.Context, t *ent.Ticket) []*ent.Ticket {
	for fc := graphql.GetFieldContext(ctx); fc != nil; fc = fc.Parent {
		var list []*ent.Ticket
		switch r := fc.Result.(type) {
		case []*ent.TicketEdge:
			for _, e := range r {
				if e != nil && e.Node != nil {
					list = append(list, e.Node)
				}
			}
		case []*ent.Ticket:
			list = r
		default:
			continue
		}
		if slices.Contains(list, t) {
			return list
		}
	}
	return []*ent.Ticket{t}
}
