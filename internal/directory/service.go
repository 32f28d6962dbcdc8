// Package directory keeps the people of the helpdesk: customers, agents and
// the teams agents work in, with their ordered memberships.
package directory

import (
	"context"
	"time"

	"helpdesk/ent"
	"helpdesk/internal/authz"
	"helpdesk/internal/events"
	"helpdesk/internal/gid"
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
	// TeamCalendarChanged, when set, runs in the transaction that gives a
	// team another business calendar (or none): the SLA engine enqueues
	// recomputing the due times of the team's open tickets
	// (sla.Engine.TeamCalendarChanged). It needs Events.
	TeamCalendarChanged func(ctx context.Context, tx *events.Tx, teamID gid.ID) error
}

func (s *Service) withTx(ctx context.Context, fn func(tx *ent.Tx) error) error {
	return store.WithTx(ctx, s.Client, fn)
}
