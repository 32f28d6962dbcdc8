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
	// PolicyCreated, when set, runs in the transaction (ent's and the
	// same one in database/sql terms) that creates the SLA policy p: a new
	// policy may measure open tickets, and the SLA engine enqueues choosing
	// their policies again (sla.Engine.PolicyCreated).
	PolicyCreated func(ctx context.Context, tx *ent.Tx, sqlTx *sql.Tx, p *ent.SLAPolicy) error
}

func (s *Service) withTx(ctx context.Context, fn func(tx *ent.Tx) error) error {
	return store.WithTx(ctx, s.Client, fn)
}
