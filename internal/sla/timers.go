package sla

import (
	"context"
	"fmt"
	"slices"
	"time"

	"entgo.io/ent/dialect"
	"github.com/riverqueue/river"

	"helpdesk/ent"
	"helpdesk/ent/notification"
	"helpdesk/ent/schematype"
	"helpdesk/ent/slaclock"
	"helpdesk/ent/ticket"
	"helpdesk/ent/ticketevent"
	"helpdesk/internal/auth"
	"helpdesk/internal/events"
	"helpdesk/internal/gid"
)

// TimerArgs is the durable job that fires when an SLA clock reaches
// Percent of its target (100: the breach); firing, it enqueues the next
// level's job. It carries the clock's version: when the due time moves
// the version changes and the job does nothing; the clock remembers the
// levels announced, so a job that runs twice announces once.
type TimerArgs struct {
	ClockID gid.ID `json:"clock_id"`
	Version int    `json:"version"`
	Percent int    `json:"percent"`
}

// Kind implements river.JobArgs.
func (TimerArgs) Kind() string { return "sla_timer" }

// TimerWorker runs TimerArgs jobs.
type TimerWorker struct {
	river.WorkerDefaults[TimerArgs]
	Engine *Engine
}

// Work fires the timer; see Engine.Fire.
func (w *TimerWorker) Work(ctx context.Context, job *river.Job[TimerArgs]) error {
	return w.Engine.Fire(ctx, job.Args)
}

// Fire announces that a clock reached a level, through the change
// pipeline: it records SLA_REMINDER (levels below the warning),
// SLA_WARNING (the highest reminder level) or SLA_BREACHED (100 %); the
// reactor then notifies the assignee (and the team's leads for warnings
// and breaches). A breach also runs the policy's breach actions: raise
// the priority one step, move the ticket to its team's escalation team.
// A timer of an older version, of a clock no longer running, or of a
// level already announced does nothing; one that is early waits.
func (e *Engine) Fire(ctx context.Context, args TimerArgs) error {
	ctx = auth.WithViewer(ctx, auth.System)
	var snooze time.Duration
	err := e.Events.WithTx(ctx, func(tx *events.Tx) error {
		now := e.now()
		row, err := storedClock(ctx, tx.Client(), args.ClockID)
		if ent.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("loading SLA clock: %w", err)
		}
		var t *ent.Ticket
		if e.Dialect == dialect.Postgres {
			// Lock the ticket, then read the clock again: ticket changes
			// take the same lock before they move clocks.
			if t, err = e.lockTicket(ctx, tx, row.TicketID); err != nil {
				return notFoundIsDone(err)
			}
			if row, err = tx.SLAClock.Query().Where(slaclock.ID(args.ClockID)).ForUpdate().Only(ctx); err != nil {
				return notFoundIsDone(err)
			}
		} else if t, err = tx.LoadTicket(ctx, row.TicketID); err != nil {
			// SQLite's write transactions run one at a time: the clock
			// read above is current.
			return notFoundIsDone(err)
		}
		cl := ClockOf(row)
		if cl.Version != args.Version || !cl.Running() || cl.FiredPercent >= args.Percent {
			return nil
		}
		policy, cal, err := policyAndCalendar(ctx, tx, t)
		if err != nil {
			return err
		}
		fireAt, ok := cl.At(cal, args.Percent)
		if !ok {
			return nil
		}
		if now.Before(fireAt) {
			snooze = fireAt.Sub(now)
			return nil
		}
		upd := tx.SLAClock.Update().Where(slaclock.ID(row.ID)).SetFiredPercent(args.Percent)
		var breachedAt *time.Time
		if args.Percent >= 100 {
			upd.SetBreachedAt(now)
			breachedAt = &now
		}
		if err := upd.Exec(ctx); err != nil {
			return fmt.Errorf("marking SLA level: %w", err)
		}
		keepFired(ctx, row.TicketID, row.ID, args.Percent, breachedAt)
		cl.FiredPercent = args.Percent
		if err := e.schedule(ctx, tx, row.ID, &cl, policy, cal); err != nil {
			return err
		}
		kind := firingKind(args.Percent, Levels(policy))
		if err := tx.Record(ctx, events.Change{TicketID: t.ID, Kind: kind, At: now, Changes: []schematype.FieldChange{
			{Field: "slaMetric", To: strPtr(string(cl.Metric))},
			{Field: "slaPercent", To: intText(args.Percent)},
		}}); err != nil {
			return err
		}
		if kind == ticketevent.KindSLA_BREACHED {
			return e.breachActions(ctx, tx, t.ID, cl.Metric, policy, now)
		}
		return nil
	})
	if err == nil && snooze > 0 {
		return river.JobSnooze(snooze)
	}
	return err
}

// firingKind names the event of a level: the breach at 100, the warning
// at the highest level below it, reminders below that.
func firingKind(percent int, levels []int) ticketevent.Kind {
	switch {
	case percent >= 100:
		return ticketevent.KindSLA_BREACHED
	case len(levels) >= 2 && percent == levels[len(levels)-2]:
		return ticketevent.KindSLA_WARNING
	default:
		return ticketevent.KindSLA_REMINDER
	}
}

func isFiring(k ticketevent.Kind) bool {
	return k == ticketevent.KindSLA_REMINDER || k == ticketevent.KindSLA_WARNING || k == ticketevent.KindSLA_BREACHED
}

// breachActions runs the policy's actions on the breach of metric, each
// as its own change of the ticket. Escalation is the workflow's (see
// Escalator), with the breached metric as its reason.
func (e *Engine) breachActions(ctx context.Context, tx *events.Tx, ticketID gid.ID, metric slaclock.Metric,
	policy *ent.SLAPolicy, now time.Time) error {
	if policy == nil {
		return nil
	}
	if slices.Contains(policy.BreachActions, "RAISE_PRIORITY") {
		if err := e.raisePriority(ctx, tx, ticketID, now); err != nil {
			return err
		}
	}
	if slices.Contains(policy.BreachActions, "ESCALATE") {
		if e.Escalator == nil {
			return fmt.Errorf("escalating on an SLA breach: no escalator is configured")
		}
		reason := fmt.Sprintf("SLA breached: %s target of policy %s", metric, policy.Name)
		if err := e.Escalator.Escalate(ctx, tx, ticketID, reason, now); err != nil {
			return err
		}
	}
	return nil
}

// raisePriority moves the ticket one priority up (URGENT stays).
func (e *Engine) raisePriority(ctx context.Context, tx *events.Tx, ticketID gid.ID, now time.Time) error {
	t, err := tx.Ticket.Query().Where(ticket.ID(ticketID)).Only(ctx)
	if err != nil {
		return fmt.Errorf("loading ticket: %w", err)
	}
	rank := t.Priority.Rank()
	if rank <= 1 {
		return nil
	}
	raised := schematype.Priority(t.Priority.Values()[rank-2])
	if err := tx.Ticket.UpdateOneID(t.ID).SetPriority(raised).SetPriorityRank(raised.Rank()).
		SetVersion(t.Version + 1).SetUpdatedAt(now).Exec(ctx); err != nil {
		return fmt.Errorf("raising the priority of ticket #%d: %w", t.Number, err)
	}
	return tx.Record(ctx, events.Change{TicketID: t.ID, Kind: ticketevent.KindUPDATED, At: now,
		Changes: []schematype.FieldChange{{Field: "priority", From: strPtr(string(t.Priority)), To: strPtr(string(raised))}}})
}

// notifyFiring writes the notifications of an SLA event: to the
// assignee, and for warnings and breaches to the leads of the ticket's
// team; only agents who may read the ticket are notified.
func (e *Engine) notifyFiring(ctx context.Context, tx *events.Tx, c events.Change) error {
	t, err := tx.LoadTicket(ctx, c.TicketID)
	if err != nil {
		return fmt.Errorf("loading ticket %s: %w", c.TicketID, err)
	}
	kind := notification.Kind(c.Kind)
	var recipients []gid.ID
	if t.AssigneeID != nil {
		recipients = append(recipients, *t.AssigneeID)
	}
	if c.Kind != ticketevent.KindSLA_REMINDER && t.TeamID != nil && e.Authz != nil {
		leads, err := e.Authz.TeamLeads()
		if err != nil {
			return err
		}
		for _, l := range leads {
			if l[1] == *t.TeamID && !slices.Contains(recipients, l[0]) {
				recipients = append(recipients, l[0])
			}
		}
	}
	var allowed []gid.ID
	for _, id := range recipients {
		ok, err := e.Authz.AgentCanRead(ctx, tx.Client(), id, t)
		if err != nil {
			return err
		}
		if ok {
			allowed = append(allowed, id)
		}
	}
	if len(allowed) == 0 {
		return nil
	}
	return tx.OnEvent(func(ctx context.Context, ev *ent.TicketEvent) error {
		bulk := make([]*ent.NotificationCreate, len(allowed))
		for i, id := range allowed {
			bulk[i] = tx.Notification.Create().SetKind(kind).SetSequence(ev.Sequence).SetCreatedAt(c.At).
				SetRecipientID(id).SetTicketID(t.ID)
		}
		if err := tx.Notification.CreateBulk(bulk...).Exec(ctx); err != nil {
			return fmt.Errorf("writing SLA notifications: %w", err)
		}
		return nil
	})
}

func notFoundIsDone(err error) error {
	if ent.IsNotFound(err) {
		return nil
	}
	return err
}

func strPtr(s string) *string { return &s }
