package graph

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/99designs/gqlgen/graphql"

	"helpdesk/ent"
)

// cohortOf names the live queue a ticketEvents subscription follows, so
// that subscribers of the same queue share its evaluation (see
// realtime.Queue.Cohort); "" when it is the subscriber's alone.
//
// A queue is shared when the viewer may read every ticket (TicketScope
// nil: administrators, managers, tokens with a ticket scope) and the
// viewer's read scopes leave the filter as the client wrote it (no scope
// added on any edge, see ScopeFilters): the queue then depends on the
// filter alone, and is named by the `where` argument as the client sent
// it (JSON, keys sorted). Other viewers' scopes depend on their own
// assignments, teams, watches and mentions: their queues are not shared.
func (r *Resolver) cohortOf(ctx context.Context, where *ent.TicketWhereInput) (string, error) {
	v := viewer(ctx)
	if r.Authz.TicketScope(v) != nil {
		return "", nil
	}
	if where != nil {
		// The scopes the viewer adds to a copy of the filter as written
		// (the JSON form leaves the predicates added so far out).
		raw, err := json.Marshal(where)
		if err != nil {
			return "", fmt.Errorf("naming the live queue: %w", err)
		}
		var written ent.TicketWhereInput
		if err := json.Unmarshal(raw, &written); err != nil {
			return "", fmt.Errorf("naming the live queue: %w", err)
		}
		scoped, err := r.Authz.ScopeFilter(v, &written)
		if err != nil || scoped {
			return "", err
		}
	}
	fc := graphql.GetFieldContext(ctx)
	oc := graphql.GetOperationContext(ctx)
	if fc == nil || fc.Field.Field == nil || oc == nil {
		return "", nil
	}
	key, err := json.Marshal(fc.Field.ArgumentMap(oc.Variables)["where"])
	if err != nil {
		return "", fmt.Errorf("naming the live queue: %w", err)
	}
	return "all:" + string(key), nil
}
