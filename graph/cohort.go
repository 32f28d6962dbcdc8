package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"helpdesk/ent"
	"helpdesk/internal/auth"
	"helpdesk/internal/gid"
)

// cohortOf names the live queue a ticketEvents subscription follows, so
// that subscribers of the same queue share its membership and evaluation
// (see realtime.Queue.Cohort), and its filter, so that the queues of the
// same filter share its evaluation whoever their viewers
// (realtime.Queue.Filter).
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
//
// The filter is the same JSON when the viewer's read scopes leave it as
// written, whatever the viewer may read of the tickets themselves (that is
// decided per queue, realtime.Queue.Reads); otherwise it is the viewer's.
func (r *Resolver) cohortOf(ctx context.Context, where *ent.TicketWhereInput) (cohort, filterName string, err error) {
	fc := graphql.GetFieldContext(ctx)
	oc := graphql.GetOperationContext(ctx)
	if fc == nil || fc.Field.Field == nil || oc == nil {
		return "", "", nil
	}
	filter, err := json.Marshal(fc.Field.ArgumentMap(oc.Variables)["where"])
	if err != nil {
		return "", "", fmt.Errorf("naming the live queue: %w", err)
	}
	v := viewer(ctx)
	scoped := false
	if where != nil {
		// The scopes the viewer adds to a copy of the filter as written
		// (the JSON form leaves the predicates added so far out).
		raw, err := json.Marshal(where)
		if err != nil {
			return "", "", fmt.Errorf("naming the live queue: %w", err)
		}
		var written ent.TicketWhereInput
		if err := json.Unmarshal(raw, &written); err != nil {
			return "", "", fmt.Errorf("naming the live queue: %w", err)
		}
		if scoped, err = r.Authz.ScopeFilter(v, &written); err != nil {
			return "", "", err
		}
	}
	rights, err := json.Marshal([]any{v.AgentID, v.Role, v.TeamIDs, v.TokenID, v.CustomerID, v.Scopes})
	if err != nil {
		return "", "", fmt.Errorf("naming the live queue: %w", err)
	}
	own := "own:" + string(rights)
	filterName = "filter:" + string(filter)
	if scoped {
		filterName = own + ":" + string(filter)
	}
	scope := "all"
	if scoped || r.Authz.TicketScope(v) != nil {
		scope = own
	}
	return scope + ":" + string(filter), filterName, nil
}

// recordedEdges are the ticket's edges whose changes the event log
// records (a ticket event on the ticket): a filter on whether the ticket
// has one is decided by the ticket's own events.
var recordedEdges = map[string]bool{
	"hasCustomer": true, "hasCategory": true, "hasTeam": true, "hasAssignee": true,
	"hasSLAPolicy": true, "hasTags": true, "hasWatchers": true,
}

// readsUnrecorded reports whether a live queue's filter reads what may
// change without an event of the ticket: the fields of other rows (a
// customer's name, a tag's name, comments), so that its count cannot be
// kept from the ticket events (realtime.Queue.Recount).
func readsUnrecorded(where *ent.TicketWhereInput) (bool, error) {
	if where == nil {
		return false, nil
	}
	raw, err := json.Marshal(where)
	if err != nil {
		return false, fmt.Errorf("reading the live queue's filter: %w", err)
	}
	var tree any
	if err := json.Unmarshal(raw, &tree); err != nil {
		return false, fmt.Errorf("reading the live queue's filter: %w", err)
	}
	var walk func(any) bool
	walk = func(n any) bool {
		switch n := n.(type) {
		case map[string]any:
			for k, v := range n {
				if strings.HasPrefix(k, "has") && !recordedEdges[k] {
					return true
				}
				if walk(v) {
					return true
				}
			}
		case []any:
			for _, v := range n {
				if walk(v) {
					return true
				}
			}
		}
		return false
	}
	return walk(tree), nil
}

// scopeName names the part of the viewer's read scope that may change
// while a subscription lasts: the teams an agent leads (a policy change);
// nil when none may (see realtime.Queue.Scope).
func (r *Resolver) scopeName(v auth.Viewer) func() string {
	if r.Authz.TicketScope(v) == nil || !v.IsAgent() {
		return nil
	}
	return func() string {
		lead, err := r.Authz.LeadTeams(v.AgentID)
		if err != nil {
			// Unknown: a name no scope has, so the queue is counted.
			return "?" + err.Error()
		}
		lead = slices.Clone(lead)
		slices.Sort(lead)
		return strings.Join(gidStrings(lead), ",")
	}
}

func gidStrings(ids []gid.ID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = string(id)
	}
	return out
}
