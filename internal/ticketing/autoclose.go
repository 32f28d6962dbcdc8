package ticketing

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"helpdesk/ent/ticket"
	"helpdesk/internal/auth"
	"helpdesk/internal/authz"
	"helpdesk/internal/events"
	"helpdesk/internal/gid"
)

// DefaultAutoCloseAfter is how long a RESOLVED ticket waits for its
// customer before it is CLOSED, unless configured otherwise.
const DefaultAutoCloseAfter = 7 * 24 * time.Hour

// AutoCloseArgs is the durable job that closes a ticket still RESOLVED
// since ResolvedAt. A ticket reopened (and resolved again) meanwhile has
// another ResolvedAt, and its own job.
type AutoCloseArgs struct {
	TicketID   gid.ID    `json:"ticket_id"`
	ResolvedAt time.Time `json:"resolved_at"`
}

// Kind implements river.JobArgs.
func (AutoCloseArgs) Kind() string { return "ticket_auto_close" }

// AutoCloseReactor schedules the auto-close job when a change resolves a
// ticket, in the change's transaction. It does nothing when AutoCloseAfter
// is negative.
func (s *Service) AutoCloseReactor() events.Reactor {
	return events.ReactorFunc(func(ctx context.Context, tx *events.Tx, c events.Change) error {
		st := changeSet(c.Changes).field("status")
		if s.AutoCloseAfter < 0 || st == nil || st.To == nil || *st.To != string(ticket.StatusRESOLVED) {
			return nil
		}
		return tx.EnqueueJob(ctx, AutoCloseArgs{TicketID: c.TicketID, ResolvedAt: c.At},
			&river.InsertOpts{ScheduledAt: c.At.Add(s.autoCloseAfter())})
	})
}

func (s *Service) autoCloseAfter() time.Duration {
	if s.AutoCloseAfter == 0 {
		return DefaultAutoCloseAfter
	}
	return s.AutoCloseAfter
}

// AutoCloseWorker runs AutoCloseArgs jobs.
type AutoCloseWorker struct {
	river.WorkerDefaults[AutoCloseArgs]
	Tickets *Service
}

// Work closes the ticket if it is still resolved since the job's time; it
// is safe to run more than once.
func (w *AutoCloseWorker) Work(ctx context.Context, job *river.Job[AutoCloseArgs]) error {
	return w.Tickets.closeResolved(ctx, job.Args)
}

func (s *Service) closeResolved(ctx context.Context, args AutoCloseArgs) error {
	ctx = auth.WithViewer(ctx, auth.System)
	var snooze time.Duration
	err := s.withTx(ctx, func(etx *events.Tx) error {
		now := s.now()
		t, err := s.lockTicket(etx.Ticket.Query().Where(ticket.ID(args.TicketID))).Only(ctx)
		if err != nil {
			return notFoundIsDone(err)
		}
		if t.Status != ticket.StatusRESOLVED || t.ResolvedAt == nil || !t.ResolvedAt.Equal(args.ResolvedAt) {
			return nil
		}
		if due := t.ResolvedAt.Add(s.autoCloseAfter()); now.Before(due) {
			snooze = due.Sub(now)
			return nil
		}
		if _, err := s.authorize(ctx, etx.Tx, auth.System, t, authz.ActWrite); err != nil {
			return err
		}
		upd := etx.Ticket.UpdateOneID(t.ID)
		var ch changeSet
		changeStatus(t, ticket.StatusCLOSED, upd, &ch, now)
		_, err = s.commitChange(ctx, etx, auth.System, t, upd, ch, now)
		return err
	})
	if err == nil && snooze > 0 {
		return river.JobSnooze(snooze)
	}
	return err
}
