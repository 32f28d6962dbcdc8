// Package ticketing holds the rules for tickets and their comments: creating
// and changing them, status transitions, and the append-only history every
// change writes in the same transaction.
package ticketing

import (
	"context"

	"entgo.io/ent/dialect"
	"time"

	"helpdesk/ent"
	"helpdesk/internal/authz"
	"helpdesk/internal/events"
)

// Service changes tickets. Every method that writes runs in one
// transaction that also records the TicketEvent for the change.
type Service struct {
	Client  *ent.Client
	Dialect string
	Now     func() time.Time
	// Events is the pipeline every change goes through.
	Events *events.Pipeline
	// AutoCloseAfter is how long a RESOLVED ticket stays so before it is
	// closed; zero means DefaultAutoCloseAfter, negative never.
	AutoCloseAfter time.Duration
	// Authz decides what each viewer may do to a ticket.
	Authz *authz.Enforcer
}

func (s *Service) withTx(ctx context.Context, fn func(tx *events.Tx) error) error {
	return s.Events.WithTx(ctx, fn)
}

// lockTicket makes q lock the ticket row it reads until the transaction
// ends, so concurrent changes to one ticket queue up behind each other and
// each reads the version the previous one committed, instead of failing
// with a conflict. SQLite needs no row lock: its transactions take the
// database's write lock when they begin.
func (s *Service) lockTicket(q *ent.TicketQuery) *ent.TicketQuery {
	if s.Dialect == dialect.Postgres {
		return q.ForUpdate()
	}
	return q
}

func notFoundIsDone(err error) error {
	if ent.IsNotFound(err) {
		return nil
	}
	return err
}

// now reads the service's clock at the precision both databases keep
// (microseconds), so a time written and read back compares equal.
func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }
