package graph

import (
	"context"
	"errors"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"helpdesk/ent"
	"helpdesk/internal/realtime"
	"helpdesk/internal/stats"
)

// statsRequest decodes the arguments ticketStats and ticketStatsChanged
// share. The filter's edges are already scoped (ScopeFilters); the filter
// as the client wrote it goes into each bucket's drill-down.
func statsRequest(ctx context.Context, where *ent.TicketWhereInput, groupBy []stats.Dimension, categoryLevel *int, timeBucket *stats.TimeBucket, timezone *string) (stats.Request, error) {
	req := stats.Request{Where: where, GroupBy: groupBy, Bucket: timeBucket}
	if categoryLevel != nil {
		req.CategoryLevel = *categoryLevel
	}
	zone := ""
	if timezone != nil {
		zone = *timezone
	}
	loc, err := stats.LoadLocation("timezone", zone)
	if err != nil {
		return req, err
	}
	req.Location = loc
	fc, oc := graphql.GetFieldContext(ctx), graphql.GetOperationContext(ctx)
	if fc != nil && fc.Field.Field != nil && oc != nil {
		if w, ok := fc.Field.ArgumentMap(oc.Variables)["where"]; ok && w != nil {
			req.WrittenWhere = w
		}
		req.Measures = selectedMeasures(oc, fc.Field.Selections)
	}
	return req, nil
}

// selectedMeasures are the figures a bucket selection asks for (fragments
// and @include/@skip resolved): the database computes only those.
func selectedMeasures(oc *graphql.OperationContext, bucket ast.SelectionSet) *stats.Measures {
	m := &stats.Measures{}
	durations := func(sel ast.SelectionSet) (d stats.DurationMeasures) {
		for _, f := range graphql.CollectFields(oc, sel, []string{"DurationStats"}) {
			switch f.Name {
			case "count":
				d.Count = true
			case "average":
				d.Average = true
			case "median":
				d.Median = true
			case "p90":
				d.P90 = true
			}
		}
		return d
	}
	for _, f := range graphql.CollectFields(oc, bucket, []string{"TicketStatsBucket"}) {
		switch f.Name {
		case "open":
			m.Open = true
		case "resolved":
			m.Resolved = true
		case "firstResponse":
			m.FirstResponse = durations(f.Selections)
		case "resolution":
			m.Resolution = durations(f.Selections)
		case "workingTime":
			m.WorkingTime = true
		case "waitingTime":
			m.WaitingTime = true
		case "sla":
			m.SLA = true
		}
	}
	return m
}

// subscribeStats starts a ticketStatsChanged subscription: the buckets
// first, then the changed ones whenever ticket events arrive on the bus.
func (r *Resolver) subscribeStats(ctx context.Context, req stats.Request) (<-chan []*stats.Bucket, error) {
	first, err := r.Stats.Tickets(ctx, req)
	if err != nil {
		return nil, err
	}
	out := make(chan []*stats.Bucket)
	go func() {
		defer close(out)
		watch, stop := context.WithCancel(ctx)
		changed := make(chan struct{}, 1)
		followed := make(chan struct{})
		go func() {
			defer close(followed)
			defer close(changed)
			followBus(watch, r.Realtime.Bus, changed)
		}()
		err := r.Stats.Watch(watch, req, first, 0, changed, out)
		stop()
		<-followed
		r.endSubscription(ctx, err)
	}()
	return out, nil
}

// followBus signals on changed (without waiting) each time ticket events
// are committed, until ctx ends or the bus closes. A subscriber that falls
// behind subscribes again: statistics are recomputed from the database,
// so no event needs replaying.
func followBus(ctx context.Context, bus realtime.Bus, changed chan<- struct{}) {
	signal := func() {
		select {
		case changed <- struct{}{}:
		default:
		}
	}
	for ctx.Err() == nil {
		sub := bus.Subscribe(realtime.DefaultBuffer)
		for open := true; open; {
			select {
			case <-ctx.Done():
				sub.Close()
				return
			case _, open = <-sub.C:
				if open {
					signal()
				}
			}
		}
		if !errors.Is(sub.Err(), realtime.ErrLagged) {
			return
		}
		signal()
	}
}
