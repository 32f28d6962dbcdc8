package graph

import (
	"context"
	"fmt"

	"helpdesk/ent"
	"helpdesk/ent/agent"
	"helpdesk/ent/apitoken"
	"helpdesk/ent/businesscalendar"
	"helpdesk/ent/category"
	"helpdesk/ent/comment"
	"helpdesk/ent/customer"
	"helpdesk/ent/notification"
	"helpdesk/ent/routingrule"
	"helpdesk/ent/slapolicy"
	"helpdesk/ent/tag"
	"helpdesk/ent/team"
	"helpdesk/ent/teammembership"
	"helpdesk/ent/ticket"
	"helpdesk/ent/ticketevent"
	"helpdesk/internal/apperr"
	"helpdesk/internal/auth"
	"helpdesk/internal/authz"
	"helpdesk/internal/catalog"
	"helpdesk/internal/directory"
	"helpdesk/internal/gid"
	"helpdesk/internal/metrics"
	"helpdesk/internal/notify"
	"helpdesk/internal/presence"
	"helpdesk/internal/realtime"
	"helpdesk/internal/routing"
	"helpdesk/internal/search"
	"helpdesk/internal/sla"
	"helpdesk/internal/stats"
	"helpdesk/internal/ticketing"
)

// Resolver holds the services the resolvers call. It is built once in
// main and shared by every request.
type Resolver struct {
	Client    *ent.Client
	Authz     *authz.Enforcer
	Auth      *auth.Service
	Tickets   *ticketing.Service
	Directory *directory.Service
	Catalog   *catalog.Service
	// Realtime delivers subscriptions' events.
	Realtime *realtime.Feed
	// Presence tracks who is looking at or replying to a ticket.
	Presence *presence.Service
	// Notify reads and marks the viewer's notifications.
	Notify *notify.Service
	// SLA configures policies and calendars and shows SLA clocks.
	SLA *sla.Engine
	// Stats computes dashboard statistics.
	Stats *stats.Service
	// Metrics, when set, records requests and subscriptions.
	Metrics *metrics.Metrics
	// Search finds tickets and customers by their text.
	Search *search.Service
	// Routing manages the routing rules.
	Routing *routing.Service
}

// viewer returns the authenticated caller. The root-field guard (see
// RequireViewer) has already refused unauthenticated requests for every
// field that reaches a resolver using it.
func viewer(ctx context.Context) auth.Viewer {
	v, _ := auth.ViewerFrom(ctx)
	return v
}

// tablesByPrefix maps an id's type prefix to the table holding it, so
// node(id:) resolves any object with one query.
var tablesByPrefix = map[string]string{
	gid.Agent:            agent.Table,
	gid.Team:             team.Table,
	gid.TeamMembership:   teammembership.Table,
	gid.Customer:         customer.Table,
	gid.Category:         category.Table,
	gid.BusinessCalendar: businesscalendar.Table,
	gid.SLAPolicy:        slapolicy.Table,
	gid.Tag:              tag.Table,
	gid.Ticket:           ticket.Table,
	gid.Comment:          comment.Table,
	gid.TicketEvent:      ticketevent.Table,
	gid.APIToken:         apitoken.Table,
	gid.Notification:     notification.Table,
	gid.RoutingRule:      routingrule.Table,
}

// nodeType is ent's node-type resolver for our ids.
func nodeType(ctx context.Context, id gid.ID) (string, error) {
	if !authz.MayLookUp(viewer(ctx), id.Prefix()) {
		return "", apperr.NotFound("could not resolve to a node with the global id %q", id)
	}
	if table, ok := tablesByPrefix[id.Prefix()]; ok {
		return table, nil
	}
	return "", apperr.NotFound("could not resolve to a node with the global id %q", id)
}

// notFoundAsNil turns "no such row" into a null result.
func notFoundAsNil[T any](v *T, err error) (*T, error) {
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("loading: %w", err)
	}
	return v, nil
}
