package authz

import (
	"context"
	"fmt"
	"slices"

	"entgo.io/ent/dialect/sql"

	"helpdesk/ent"
	"helpdesk/ent/agent"
	"helpdesk/ent/comment"
	"helpdesk/ent/customer"
	"helpdesk/ent/intercept"
	"helpdesk/ent/predicate"
	"helpdesk/ent/ticket"
	"helpdesk/ent/ticketevent"
	"helpdesk/internal/auth"
)

// TicketScope is the SQL form of the "read ticket" policy for the viewer:
// nil when the viewer may read every ticket. It must agree with Can for
// every ticket (the consistency test checks it on generated data).
func (en *Enforcer) TicketScope(v auth.Viewer) predicate.Ticket {
	switch {
	case v.IsSystem():
		return nil
	case v.IsCustomer():
		return ticket.And(ticket.CustomerID(v.CustomerID), ticket.Internal(false))
	case v.IsIntegration():
		if slices.Contains(v.Scopes, "TICKETS_READ") || slices.Contains(v.Scopes, "TICKETS_WRITE") {
			return nil
		}
		return deny[predicate.Ticket]()
	case !v.IsAgent():
		return deny[predicate.Ticket]()
	case v.Role == agent.RoleADMIN || v.Role == agent.RoleMANAGER:
		return nil
	}
	me := v.AgentID
	or := []predicate.Ticket{
		ticket.AssigneeID(me),
		ticket.HasWatchersWith(agent.ID(me)),
		ticket.HasCommentsWith(comment.HasMentionsWith(agent.ID(me))),
	}
	if len(v.TeamIDs) > 0 {
		or = append(or, ticket.And(ticket.AssigneeIDIsNil(), ticket.TeamIDIn(v.TeamIDs...)))
	}
	if lead := en.LeadTeams(me); len(lead) > 0 {
		or = append(or, ticket.TeamIDIn(lead...))
	}
	return ticket.Or(or...)
}

// InstallScopes makes client apply the viewer's read scope to every query of tickets,
// comments and ticket events — lists, counts, node lookups and nested
// edges alike — so pages, cursors and totalCount only ever see allowed
// rows. A query without a viewer in its context sees nothing.
func (en *Enforcer) InstallScopes(client *ent.Client) {
	client.Ticket.Intercept(intercept.TraverseTicket(func(ctx context.Context, q *ent.TicketQuery) error {
		if p := en.scopeFor(ctx); p != nil {
			q.Where(p)
		}
		return nil
	}))
	client.Comment.Intercept(intercept.TraverseComment(func(ctx context.Context, q *ent.CommentQuery) error {
		if p := en.scopeFor(ctx); p != nil {
			q.Where(comment.HasTicketWith(p))
		}
		// Internal notes are never shown to customers, on any path.
		if v, ok := auth.ViewerFrom(ctx); ok && v.IsCustomer() {
			q.Where(comment.VisibilityEQ(comment.VisibilityPUBLIC))
		}
		return nil
	}))
	client.TicketEvent.Intercept(intercept.TraverseTicketEvent(func(ctx context.Context, q *ent.TicketEventQuery) error {
		// The history names internal notes and staff: customers do not read it.
		if v, ok := auth.ViewerFrom(ctx); ok && v.IsCustomer() {
			q.Where(deny[predicate.TicketEvent]())
			return nil
		}
		if p := en.scopeFor(ctx); p != nil {
			q.Where(ticketevent.HasTicketWith(p))
		}
		return nil
	}))
	client.Customer.Intercept(intercept.TraverseCustomer(func(ctx context.Context, q *ent.CustomerQuery) error {
		v, ok := auth.ViewerFrom(ctx)
		switch {
		case !ok:
			q.Where(deny[predicate.Customer]())
		case v.IsCustomer():
			q.Where(customer.ID(v.CustomerID))
		case v.IsIntegration() && !slices.Contains(v.Scopes, "CUSTOMERS_READ") && !slices.Contains(v.Scopes, "CUSTOMERS_WRITE"):
			q.Where(deny[predicate.Customer]())
		}
		return nil
	}))
	client.APIToken.Intercept(intercept.TraverseAPIToken(func(ctx context.Context, q *ent.APITokenQuery) error {
		// Tokens are listed to administrators only; authentication looks
		// them up as the system.
		if v, ok := auth.ViewerFrom(ctx); !ok || !(v.IsSystem() || v.IsAgent() && !v.IsIntegration() && v.Role == agent.RoleADMIN) {
			q.Where(deny[predicate.APIToken]())
		}
		return nil
	}))
}

func (en *Enforcer) scopeFor(ctx context.Context) predicate.Ticket {
	v, ok := auth.ViewerFrom(ctx)
	if !ok {
		return deny[predicate.Ticket]()
	}
	return en.TicketScope(v)
}

func deny[P ~func(*sql.Selector)]() P {
	return func(s *sql.Selector) { s.Where(sql.False()) }
}

// TicketResource describes a ticket as the viewer sees it, for Can. It
// reads whether the viewer watches the ticket (from the loaded watchers
// edge when the caller has it) or is mentioned on it.
func TicketResource(ctx context.Context, client *ent.Client, v auth.Viewer, t *ent.Ticket) (Resource, error) {
	r := Resource{
		Type:       ObjTicket,
		Own:        v.IsCustomer() && t.CustomerID != nil && *t.CustomerID == v.CustomerID,
		Internal:   t.Internal,
		Assigned:   t.AssigneeID != nil && *t.AssigneeID == v.AgentID,
		Unassigned: t.AssigneeID == nil,
		InMyTeam:   t.TeamID != nil && slices.Contains(v.TeamIDs, *t.TeamID),
	}
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

// TicketDomain is the domain a ticket's rules are evaluated in: its team.
func TicketDomain(t *ent.Ticket) string {
	if t.TeamID == nil {
		return NoDomain
	}
	return string(*t.TeamID)
}

// system returns ctx for reads the authorization layer itself makes.
func system(ctx context.Context) context.Context { return auth.WithViewer(ctx, auth.System) }
