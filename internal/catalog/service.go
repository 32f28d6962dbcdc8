// Package catalog keeps how tickets are classified and measured: the
// category tree (at most three levels), business calendars and SLA
// policies.
package catalog

import (
	"context"
	"database/sql"
	"time"

	"helpdesk/ent"
	"helpdesk/internal/authz"
	"helpdesk/internal/store"
)

// Service changes categories, calendars and SLA policies.
type Service struct {
	Client *ent.Client
	Now    func() time.Time
	// Authz decides, in every method, whether the viewer in the context
	// may make the change.
	Authz *authz.Enforcer
	// SLAChoiceChanged, when set, runs in the transaction (ent's, and the
	// same one in database/sql terms) of a change that may change which
	// SLA policy open tickets get — a new policy that conditions or the
	// default may choose, a category's policy — so the SLA engine can
	// enqueue choosing theirs again (sla.Engine.SLAChoiceChanged).
	SLAChoiceChanged func(ctx context.Context, tx *ent.Tx, sqlTx *sql.Tx) error
}

func (s *Service) withTx(ctx context.Context, fn func(tx *ent.Tx) error) error {
	return store.WithTx(ctx, s.Client, fn)
}

// slaChoiceChanged runs SLAChoiceChanged, when set.
func (s *Service) slaChoiceChanged(ctx context.Context, tx *ent.Tx, sqlTx *sql.Tx) error {
	if s.SLAChoiceChanged == nil {
		return nil
	}
	return s.SLAChoiceChanged(ctx, tx, sqlTx)
}
