package authz

import (
	"context"

	"entgo.io/ent/dialect/sql"

	"helpdesk/ent"
	"helpdesk/ent/intercept"
	"helpdesk/internal/auth"
)

// InstallScopes makes client apply the viewer's read scope to every query
// of tickets, comments, ticket events, notifications, customers, API tokens and team
// memberships — lists, counts, node lookups and nested edges alike — so
// pages, cursors and totalCount only ever see allowed rows. A query
// without a viewer in its context sees none of them, except team
// memberships, which authentication reads before there is a viewer.
func (en *Enforcer) InstallScopes(client *ent.Client) {
	client.Ticket.Intercept(intercept.TraverseTicket(func(ctx context.Context, q *ent.TicketQuery) error {
		restrict(ctx, q.Where, en.TicketScope)
		return nil
	}))
	client.Comment.Intercept(intercept.TraverseComment(func(ctx context.Context, q *ent.CommentQuery) error {
		restrict(ctx, q.Where, en.CommentScope)
		return nil
	}))
	client.TicketEvent.Intercept(intercept.TraverseTicketEvent(func(ctx context.Context, q *ent.TicketEventQuery) error {
		restrict(ctx, q.Where, en.TicketEventScope)
		return nil
	}))
	client.Notification.Intercept(intercept.TraverseNotification(func(ctx context.Context, q *ent.NotificationQuery) error {
		restrict(ctx, q.Where, en.NotificationScope)
		return nil
	}))
	client.Customer.Intercept(intercept.TraverseCustomer(func(ctx context.Context, q *ent.CustomerQuery) error {
		restrict(ctx, q.Where, en.CustomerScope)
		return nil
	}))
	client.APIToken.Intercept(intercept.TraverseAPIToken(func(ctx context.Context, q *ent.APITokenQuery) error {
		// Authentication looks tokens up as the system.
		restrict(ctx, q.Where, en.APITokenScope)
		return nil
	}))
	client.TeamMembership.Intercept(intercept.TraverseTeamMembership(func(ctx context.Context, q *ent.TeamMembershipQuery) error {
		if v, ok := auth.ViewerFrom(ctx); ok {
			if p := en.TeamMembershipScope(v); p != nil {
				q.Where(p)
			}
		}
		return nil
	}))
}

// restrict adds the scope of the context's viewer to a query (through its
// Where method), or denies every row when the context has no viewer.
func restrict[P ~func(*sql.Selector), Q any](ctx context.Context, add func(...P) Q, scope func(auth.Viewer) P) {
	v, ok := auth.ViewerFrom(ctx)
	if !ok {
		add(deny[P]())
		return
	}
	if p := scope(v); p != nil {
		add(p)
	}
}
