package notify

import (
	"context"
	"fmt"
	"sync"
	"time"

	"helpdesk/ent"
	"helpdesk/ent/notification"
	"helpdesk/internal/apperr"
	"helpdesk/internal/auth"
	"helpdesk/internal/authz"
	"helpdesk/internal/gid"
	"helpdesk/internal/input"
)

// maxMarkRead bounds the ids one markNotificationsRead call may name.
const maxMarkRead = 500

// Service reads and marks the viewer's notifications. Only agents have
// notifications; every method works on the viewer's own.
type Service struct {
	// Client has the read scopes installed (authz.InstallScopes).
	Client *ent.Client
	Now    func() time.Time

	fanoutMu sync.Mutex
	fanout   *fanout // the shared reader behind Watch
}

// Mine returns the query of the viewer's notifications; the caller adds
// filter, order and pagination.
func (s *Service) Mine(ctx context.Context) (*ent.NotificationQuery, error) {
	v, err := viewerAgent(ctx)
	if err != nil {
		return nil, err
	}
	return s.Client.Notification.Query().Where(notification.RecipientID(v.AgentID)), nil
}

// UnreadCount counts the viewer's unread notifications.
func (s *Service) UnreadCount(ctx context.Context) (int, error) {
	q, err := s.Mine(ctx)
	if err != nil {
		return 0, err
	}
	n, err := q.Where(notification.ReadAtIsNil()).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("counting unread notifications: %w", err)
	}
	return n, nil
}

// MarkRead marks the viewer's unread notifications among ids read (all of
// them when ids is nil) and returns how many changed. Ids of other
// agents' notifications change nothing.
func (s *Service) MarkRead(ctx context.Context, ids []gid.ID) (int, error) {
	v, err := viewerAgent(ctx)
	if err != nil {
		return 0, err
	}
	upd := s.Client.Notification.Update().Where(notification.RecipientID(v.AgentID), notification.ReadAtIsNil())
	if ids != nil {
		if err := input.Items("ids", len(ids), maxMarkRead); err != nil {
			return 0, err
		}
		for _, id := range ids {
			if !id.Valid(gid.Notification) {
				return 0, apperr.Invalid("ids", "%q is not a notification id", id)
			}
		}
		upd.Where(notification.IDIn(ids...))
	}
	n, err := upd.SetReadAt(s.Now().UTC().Truncate(time.Microsecond)).Save(ctx)
	if err != nil {
		return 0, fmt.Errorf("marking notifications read: %w", err)
	}
	return n, nil
}

// viewerAgent returns the viewer when it is an agent (tokens and the
// system have no notifications).
func viewerAgent(ctx context.Context) (auth.Viewer, error) {
	v, err := authz.Viewer(ctx)
	if err != nil {
		return v, err
	}
	if !v.IsAgent() || v.IsIntegration() || v.IsCustomer() || v.IsSystem() {
		return v, apperr.Forbidden("notifications are for agents")
	}
	return v, nil
}
