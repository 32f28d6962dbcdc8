package authz

import (
	"context"
	"fmt"
	"slices"

	"entgo.io/ent/dialect/sql"

	"helpdesk/ent"
	"helpdesk/ent/agent"
	"helpdesk/ent/comment"
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
	if v.IsSystem() || v.Role == agent.RoleADMIN || v.Role == agent.RoleMANAGER {
		return nil
	}
	if !v.IsAgent() {
		return deny[predicate.Ticket]()
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
		return nil
	}))
	client.TicketEvent.Intercept(intercept.TraverseTicketEvent(func(ctx context.Context, q *ent.TicketEventQuery) error {
		if p := en.scopeFor(ctx); p != nil {
			q.Where(ticketevent.HasTicketWith(p))
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
// reads whether the viewer watches the ticket or is mentioned on it.
func TicketResource(ctx context.Context, client *ent.Client, v auth.Viewer, t *ent.Ticket) (Resource, error) {
	r := Resource{
		Type:       ObjTicket,
		Assigned:   t.AssigneeID != nil && *t.AssigneeID == v.AgentID,
		Unassigned: t.AssigneeID == nil,
		InMyTeam:   t.TeamID != nil && slices.Contains(v.TeamIDs, *t.TeamID),
	}
	if !v.IsAgent() {
		return r, nil
	}
	var err error
	if r.Watching, err = client.Ticket.Query().Where(ticket.ID(t.ID), ticket.HasWatchersWith(agent.ID(v.AgentID))).Exist(system(ctx)); err != nil {
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
