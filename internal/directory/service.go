// Package directory keeps the people of the helpdesk: customers, agents and
// the teams agents work in, with their ordered memberships.
package directory

import (
	"context"
	"time"

	"helpdesk/ent"
	"helpdesk/internal/store"
)

// Service changes customers, agents and teams.
type Service struct {
	Client *ent.Client
	Now    func() time.Time
	// PasswordCost is the bcrypt cost new passwords are hashed with;
	// zero means auth.DefaultPasswordCost.
	PasswordCost int
}

func (s *Service) withTx(ctx context.Context, fn func(tx *ent.Tx) error) error {
	return store.WithTx(ctx, s.Client, fn)
}
