package authz

import (
	"context"
	"fmt"
	"slices"

	"helpdesk/ent"
	"helpdesk/ent/agent"
	"helpdesk/ent/comment"
	"helpdesk/ent/ticket"
	"helpdesk/internal/auth"
)

// TicketResource describes a ticket as the viewer sees it, for Can. It
// reads whether the viewer watches the ticket (from the loaded watchers
// edge when the caller has it) or is mentioned on it.
func TicketResource(ctx context.Context, client *ent.Client, v auth.Viewer, t *ent.Ticket) (Resource, error) {
	r := baseTicketResource(v, t)
	if !v.IsAgent() {
		return r, nil
	}
	var err error
	if watchers, loaded := t.Edges.WatchersOrErr(); loaded == nil {
		r.Watching = slices.ContainsFunc(watchers, func(a *ent.Agent) bool { return a.ID == v.AgentID })
	} else if r.Watching, err = client.Ticket.Query().Where(ticket.ID(t.ID), ticket.HasWatchersWith(agent.ID(v.AgentID))).Exist(system(ctx)); err != nil {
		return r, fmt.Errorf("checking watchers: %w", err)
	}
	if r.Mentioned, err = client.Comment.Query().Where(comment.TicketID(t.ID), comment.HasMentionsWith(agent.ID(v.AgentID))).Exist(system(ctx)); err != nil {
		return r, fmt.Errorf("checking mentions: %w", err)
	}
	return r, nil
}

// baseTicketResource is TicketResource without the attributes that take
// a query (Watching, Mentioned).
func baseTicketResource(v auth.Viewer, t *ent.Ticket) Resource {
	return Resource{
		Type:       ObjTicket,
		Own:        v.IsCustomer() && t.CustomerID != nil && *t.CustomerID == v.CustomerID,
		Internal:   t.Internal,
		Assigned:   t.AssigneeID != nil && *t.AssigneeID == v.AgentID,
		Unassigned: t.AssigneeID == nil,
		InMyTeam:   t.TeamID != nil && slices.Contains(v.TeamIDs, *t.TeamID),
	}
}

// TicketDomain is the domain a ticket's rules are evaluated in: its team.
func TicketDomain(t *ent.Ticket) string {
	if t.TeamID == nil {
		return NoDomain
	}
	return string(*t.TeamID)
}

// system returns ctx for reads the authorization layer itself makes.
func system(ctx context.Context) context.Context { return auth.WithViewer(ctx, auth.System) }
