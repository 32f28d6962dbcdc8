// Package directory keeps the people of the helpdesk: customers, agents and
// the teams agents work in, with their ordered memberships.
package directory

import (
	"context"
	"time"

	"helpdesk/ent"
	"helpdesk/internal/authz"
	"helpdesk/internal/events"
	"helpdesk/internal/store"
)

// Service changes customers, agents and teams.
type Service struct {
	Client  *ent.Client
	Dialect string
	Now     func() time.Time
	// Authz decides, in every method, whether the viewer in the context
	// may make the change.
	Authz *authz.Enforcer
	// PasswordCost is the bcrypt cost new passwords are hashed with;
	// zero means auth.DefaultPasswordCost.
	PasswordCost int
	// Events and Queue let changes that free an agent (availability,
	// capacity, a new team) hand them queued tickets in the same
	// transaction; nil leaves the queues alone.
	Events *events.Pipeline
	Queue  Queue
}

func (s *Service) withTx(ctx context.Context, fn func(tx *ent.Tx) error) error {
	return store.WithTx(ctx, s.Client, fn)
}
