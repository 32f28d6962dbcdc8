package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"helpdesk/internal/apperr"
	"helpdesk/internal/auth"
	"helpdesk/internal/authz"
)

// HideStaffContacts keeps agents' email addresses from customers' tokens
// and from integration tokens without AGENTS_READ (authz.MayReadStaffContacts):
// they may see who works on a ticket (the agent's name), but `Agent.email`
// (and `Agent.handle`, its local part) answers FORBIDDEN. Team rosters are
// hidden from them by the read scopes (authz.TeamMembershipScope).
func HideStaffContacts(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Object != "Agent" || (fc.Field.Name != "email" && fc.Field.Name != "handle") {
		return next(ctx)
	}
	if v, ok := auth.ViewerFrom(ctx); ok && !authz.MayReadStaffContacts(v) {
		return nil, apperr.Forbidden("staff email addresses are not available to this token")
	}
	return next(ctx)
}
