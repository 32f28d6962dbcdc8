package graph

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/99designs/gqlgen/graphql"

	"helpdesk/ent"
)

// cohortOf names the live queue a ticketEvents subscription follows, so
// that subscribers of the same queue share its membership and evaluation
// (see realtime.Queue.Cohort).
//
// A queue is the filter as the client sent it (the `where` argument, JSON
// with sorted keys) under a read scope. When the viewer may read every
// ticket (TicketScope nil: administrators, managers, tokens with a ticket
// scope) and its read scopes leave the filter as written (no scope added
// on any edge, see ScopeFilters), the scope is everything and all such
// viewers share the queue. Otherwise the scope is the viewer's own
// (assignments, teams, led teams, watches, mentions): the queue is shared
// by the subscriptions of the same viewer with the same rights (several
// tabs, devices or wallboards of one agent or token).
func (r *Resolver) cohortOf(ctx context.Context, where *ent.TicketWhereInput) (string, error) {
	fc := graphql.GetFieldContext(ctx)
	oc := graphql.GetOperationContext(ctx)
	if fc == nil || fc.Field.Field == nil || oc == nil {
		return "", nil
	}
	filter, err := json.Marshal(fc.Field.ArgumentMap(oc.Variables)["where"])
	if err != nil {
		return "", fmt.Errorf("naming the live queue: %w", err)
	}
	v := viewer(ctx)
	scope := "all"
	if r.Authz.TicketScope(v) != nil {
		scope = "own"
	} else if where != nil {
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
		if err != nil {
			return "", err
		}
		if scoped {
			scope = "own"
		}
	}
	if scope == "own" {
		rights, err := json.Marshal([]any{v.AgentID, v.Role, v.TeamIDs, v.TokenID, v.CustomerID, v.Scopes})
		if err != nil {
			return "", fmt.Errorf("naming the live queue: %w", err)
		}
		scope = "own:" + string(rights)
	}
	return scope + ":" + string(filter), nil
}
