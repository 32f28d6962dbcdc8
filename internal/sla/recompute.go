package sla

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/riverqueue/river"

	"helpdesk/ent"
	"helpdesk/ent/businesscalendar"
	"helpdesk/ent/slapolicy"
	"helpdesk/ent/team"
	"helpdesk/ent/ticket"
	"helpdesk/ent/ticketevent"
	"helpdesk/internal/auth"
	"helpdesk/internal/events"
	"helpdesk/internal/gid"
	"helpdesk/internal/workflow"
)

// DefaultRecomputeBatch is how many tickets one RecomputeArgs job
// handles in one transaction when Engine.RecomputeBatch is zero.
const DefaultRecomputeBatch = 200

// RecomputeArgs is the durable job that brings open tickets in line with
// the SLA configuration after it changed. With Reselect it goes over every
// open ticket and chooses again the policy of those whose policy was not
// set explicitly; otherwise over the open tickets measured by PolicyID,
// in CalendarID, or of TeamID (whose calendar changed). Either way it recomputes their clocks, due times and
// timers. Each run handles one batch of tickets, in id order after
// After, in one transaction, and enqueues the next batch in that same
// transaction, so no transaction grows with the number of tickets.
type RecomputeArgs struct {
	Reselect   bool   `json:"reselect,omitempty"`
	PolicyID   gid.ID `json:"policy_id,omitempty"`
	CalendarID gid.ID `json:"calendar_id,omitempty"`
	TeamID     gid.ID `json:"team_id,omitempty"`
	After      gid.ID `json:"after,omitempty"`
}

// Kind implements river.JobArgs.
func (RecomputeArgs) Kind() string { return "sla_recompute" }

// RecomputeWorker runs RecomputeArgs jobs.
type RecomputeWorker struct {
	river.WorkerDefaults[RecomputeArgs]
	Engine *Engine
}

// Work runs one batch; see Engine.Recompute.
func (w *RecomputeWorker) Work(ctx context.Context, job *river.Job[RecomputeArgs]) error {
	return w.Engine.Recompute(ctx, job.Args)
}

// Recompute handles one batch of a RecomputeArgs job. Each ticket's
// change goes through the change pipeline: a new policy is recorded as an
// UPDATED change of slaPolicy (the reactor then moves the clocks), a
// moved SLA summary as an UPDATED change of those fields, so live
// subscribers see both. A ticket that nothing changed for records nothing.
func (e *Engine) Recompute(ctx context.Context, args RecomputeArgs) error {
	ctx = auth.WithViewer(ctx, auth.System)
	batch := e.RecomputeBatch
	if batch <= 0 {
		batch = DefaultRecomputeBatch
	}
	return e.Events.WithTx(ctx, func(tx *events.Tx) error {
		where := []ticketPredicate{ticket.StatusNotIn(ticket.StatusCLOSED, ticket.StatusCANCELLED)}
		if args.After != "" {
			where = append(where, ticket.IDGT(args.After))
		}
		if !args.Reselect {
			where = append(where, recomputeScope(args))
		}
		ids, err := tx.Ticket.Query().Where(where...).Order(ticket.ByID()).Limit(batch).IDs(ctx)
		if err != nil {
			return fmt.Errorf("finding the tickets to recompute: %w", err)
		}
		for _, id := range ids {
			if err := e.recomputeTicket(ctx, tx, id, args.Reselect); err != nil {
				return err
			}
		}
		if len(ids) < batch {
			return nil
		}
		next := args
		next.After = ids[len(ids)-1]
		return tx.EnqueueJob(ctx, next, nil)
	})
}

// recomputeScope selects the tickets a policy or calendar change touches
// without choosing policies again.
func recomputeScope(args RecomputeArgs) ticketPredicate {
	if args.TeamID != "" {
		return ticket.TeamID(args.TeamID)
	}
	if args.CalendarID != "" {
		return ticket.Or(
			ticket.HasSLAPolicyWith(slapolicy.HasCalendarWith(businesscalendar.ID(args.CalendarID))),
			ticket.HasTeamWith(team.HasCalendarWith(businesscalendar.ID(args.CalendarID))),
		)
	}
	return ticket.SLAPolicyID(args.PolicyID)
}

// recomputeTicket brings one ticket in line: chooses its policy again
// (unless set explicitly) when reselect, then recomputes its clocks.
func (e *Engine) recomputeTicket(ctx context.Context, tx *events.Tx, id gid.ID, reselect bool) error {
	t, err := e.lockTicket(ctx, tx, id)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("loading ticket: %w", err)
	}
	if workflow.IsFinal(t.Status) {
		return nil
	}
	now := e.now()
	if reselect && !t.SLAPolicyExplicit {
		updated, err := e.reselect(ctx, tx, t, now)
		if err != nil {
			return err
		}
		if updated != t {
			return nil // recorded: the reactor moved the clocks on that change
		}
	}
	changes, err := e.apply(ctx, tx, t, events.Change{TicketID: id, Kind: ticketevent.KindUPDATED, At: now}, facts{})
	if err != nil || len(changes) == 0 {
		return err
	}
	return tx.Record(ctx, events.Change{TicketID: id, Kind: ticketevent.KindUPDATED, At: now, Changes: changes})
}

// enqueueRecompute schedules the recomputation after a configuration
// change, on the change's transaction: it runs if, and only if, the
// change commits.
func (e *Engine) enqueueRecompute(ctx context.Context, tx *events.Tx, args RecomputeArgs) error {
	return tx.EnqueueJob(ctx, args, nil)
}

// TeamCalendarChanged enqueues, on the transaction that gives a team
// another business calendar, recomputing the due times of the team's open
// tickets: those whose policy has no calendar are measured in the team's
// (directory.Service.TeamCalendarChanged).
func (e *Engine) TeamCalendarChanged(ctx context.Context, tx *events.Tx, teamID gid.ID) error {
	return e.enqueueRecompute(ctx, tx, RecomputeArgs{TeamID: teamID})
}

// SLAChoiceChanged enqueues, on the transaction of a configuration change
// that may change which policy open tickets get (a new policy, a
// category's policy: catalog.Service.SLAChoiceChanged), choosing the
// policy of every open ticket again. With no open ticket there is nothing
// to do.
func (e *Engine) SLAChoiceChanged(ctx context.Context, tx *ent.Tx, sqlTx *sql.Tx) error {
	open, err := tx.Ticket.Query().Where(ticket.StatusNotIn(ticket.StatusCLOSED, ticket.StatusCANCELLED)).
		Exist(auth.WithViewer(ctx, auth.System))
	if err != nil || !open {
		return err
	}
	if e.Events.Jobs == nil {
		return events.ErrNoJobQueue
	}
	if _, err := e.Events.Jobs.InsertTx(ctx, sqlTx, RecomputeArgs{Reselect: true}, nil); err != nil {
		return fmt.Errorf("enqueueing %s job: %w", RecomputeArgs{}.Kind(), err)
	}
	return nil
}
