package sla

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"entgo.io/ent/dialect"
	"github.com/riverqueue/river"

	"helpdesk/ent"
	"helpdesk/ent/comment"
	"helpdesk/ent/predicate"
	"helpdesk/ent/schematype"
	"helpdesk/ent/slaclock"
	"helpdesk/ent/ticket"
	"helpdesk/ent/ticketevent"
	"helpdesk/internal/auth"
	"helpdesk/internal/authz"
	"helpdesk/internal/events"
	"helpdesk/internal/gid"
)

// Engine keeps every ticket's SLA clocks: its reactor follows each ticket
// change inside the change's transaction, its timers fire reminders,
// warnings and breaches, and its admin methods configure policies and
// calendars.
type Engine struct {
	// Client has the read scopes installed.
	Client  *ent.Client
	Dialect string
	// Events is the change pipeline; the reactor must be registered on it
	// and it needs a job queue for the timers.
	Events *events.Pipeline
	Authz  *authz.Enforcer
	Now    func() time.Time
	// Escalator runs the ESCALATE breach action; it is the workflow's
	// escalation (ticketing.Service), injected where the app is wired.
	Escalator Escalator
	// RecomputeBatch is how many tickets a RecomputeArgs job handles per
	// transaction; zero means DefaultRecomputeBatch.
	RecomputeBatch int
}

// Escalator moves a ticket to its team's escalation team on tx, as the
// system, recording why; a ticket that cannot be escalated is left alone.
type Escalator interface {
	Escalate(ctx context.Context, tx *events.Tx, ticketID gid.ID, reason string, at time.Time) error
}

// now reads the clock at the precision both databases keep.
func (e *Engine) now() time.Time { return e.Now().UTC().Truncate(time.Microsecond) }

// Reactor returns the pipeline reactor that keeps the SLA clocks of each
// changed ticket in step, schedules their timers and writes the
// notifications of SLA events.
func (e *Engine) Reactor() events.Reactor { return events.ReactorFunc(e.react) }

// what a change means for the clocks.
type facts struct {
	statusFrom, statusTo *string
	firstResponded       bool
	// reselect: a field that policy conditions look at changed.
	reselect bool
}

func readChange(c events.Change) facts {
	var f facts
	for _, fc := range c.Changes {
		switch fc.Field {
		case "status":
			f.statusFrom, f.statusTo = fc.From, fc.To
		case "firstRespondedAt":
			f.firstResponded = fc.To != nil
		case "priority", "category", "channel", "customer", "team":
			f.reselect = true
		}
	}
	if c.Kind == ticketevent.KindCREATED {
		f.reselect = true
	}
	return f
}

func (e *Engine) react(ctx context.Context, tx *events.Tx, c events.Change) error {
	ctx = auth.WithViewer(ctx, auth.System)
	if isFiring(c.Kind) {
		if err := e.notifyFiring(ctx, tx, c); err != nil {
			return err
		}
	}
	t, err := tx.LoadTicket(ctx, c.TicketID)
	if err != nil {
		return fmt.Errorf("loading ticket %s: %w", c.TicketID, err)
	}
	f := readChange(c)
	if f.reselect && !t.SLAPolicyExplicit {
		if t, err = e.reselect(ctx, tx, t, c.At); err != nil {
			return err
		}
	}
	_, err = e.apply(ctx, tx, t, c, f)
	return err
}

// reselect applies the policy conditions to a changed ticket and records
// a change of policy as its own change.
func (e *Engine) reselect(ctx context.Context, tx *events.Tx, t *ent.Ticket, at time.Time) (*ent.Ticket, error) {
	picked, err := PickPolicy(ctx, tx, t)
	if err != nil || equalID(picked, t.SLAPolicyID) {
		return t, err
	}
	upd := tx.Ticket.UpdateOneID(t.ID).SetVersion(t.Version + 1).SetUpdatedAt(at)
	if picked == nil {
		upd.ClearSLAPolicyID()
	} else {
		upd.SetSLAPolicyID(*picked)
	}
	updated, err := upd.Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("changing the SLA policy of ticket #%d: %w", t.Number, err)
	}
	tx.KeepTicket(updated)
	err = tx.Record(ctx, events.Change{TicketID: t.ID, Kind: ticketevent.KindUPDATED, At: at,
		Changes: []schematype.FieldChange{{Field: "slaPolicy", From: idText(t.SLAPolicyID), To: idText(picked)}}})
	return updated, err
}

// apply moves the ticket's clocks by what the change did, recomputes
// their due times (rescheduling the timers of those that moved) and the
// ticket's summary. It returns how the summary changed.
func (e *Engine) apply(ctx context.Context, tx *events.Tx, t *ent.Ticket, c events.Change, f facts) ([]schematype.FieldChange, error) {
	policy, cal, err := policyAndCalendar(ctx, tx, t)
	if err != nil {
		return nil, err
	}
	rows, err := ticketClocks(ctx, tx, t.ID)
	if err != nil {
		return nil, fmt.Errorf("loading SLA clocks: %w", err)
	}
	_, keeping := events.Kept(ctx, keptClocksKey(t.ID))
	var stored []*ent.SLAClock
	existing := map[slaclock.Metric]*ent.SLAClock{}
	for _, r := range rows {
		existing[r.Metric] = r
	}
	targets := Targets(policy, t.Priority)
	var clocks []Clock
	var creates []*ent.SLAClockCreate
	for _, m := range Metrics {
		row := existing[m]
		target, tracked := targets[m]
		if !tracked {
			if row != nil {
				if err := tx.SLAClock.DeleteOneID(row.ID).Exec(ctx); err != nil {
					return nil, fmt.Errorf("dropping SLA clock: %w", err)
				}
			}
			continue
		}
		var cl Clock
		id := rowID(row)
		if row != nil {
			cl = ClockOf(row)
		} else {
			cl = newClock(t, m, c.At)
			id = gid.New(gid.SLAClock)
		}
		if cl.BreachedAt == nil {
			// A breached clock keeps the target and due time it breached.
			cl.Target = target
		}
		wasOpen := cl.Open()
		if err := e.move(ctx, tx, t, &cl, c, f); err != nil {
			return nil, err
		}
		if wasOpen && !cl.Open() {
			cl.CloseLate(cal)
		}
		due := cl.DueAt // a met, stopped or breached clock keeps its due time
		if cl.BreachedAt == nil && (cl.Open() || cl.StartedAt == nil) {
			due = cl.Due(cal)
		}
		if !equalTime(due, cl.DueAt) || row == nil {
			// The due time moved (or the clock paused): the old timers
			// become void and new ones are set for the new version.
			cl.DueAt = due
			cl.Version++
			if err := e.schedule(ctx, tx, id, &cl, policy, cal); err != nil {
				return nil, err
			}
		}
		create, err := e.save(ctx, tx, t.ID, id, row, cl)
		if err != nil {
			return nil, err
		}
		if create != nil {
			creates = append(creates, create)
		}
		if keeping {
			stored = append(stored, storedRow(t.ID, id, cl))
		}
		clocks = append(clocks, cl)
	}
	if len(creates) > 0 {
		if err := tx.SLAClock.CreateBulk(creates...).Exec(ctx); err != nil {
			return nil, fmt.Errorf("creating SLA clocks: %w", err)
		}
	}
	if keeping {
		keepClocks(ctx, t.ID, stored)
	}
	return e.summarize(ctx, tx, t, clocks)
}

// newClock starts a clock for a ticket that had none for the metric
// (a new ticket, or a policy that starts tracking it).
func newClock(t *ent.Ticket, m slaclock.Metric, at time.Time) Clock {
	cl := Clock{Metric: m, Version: 0}
	created := t.CreatedAt
	switch m {
	case slaclock.MetricNEXT_RESPONSE:
		return cl
	case slaclock.MetricFIRST_ASSIGNMENT:
		cl.StartedAt = &created
		cl.MetAt = t.FirstAssignedAt
	case slaclock.MetricFIRST_RESPONSE:
		cl.StartedAt = &created
		if t.FirstRespondedAt != nil {
			cl.MetAt = t.FirstRespondedAt
		}
	case slaclock.MetricRESOLUTION:
		cl.StartedAt = &created
		if t.ResolvedAt != nil {
			cl.MetAt = t.ResolvedAt
		}
	}
	switch t.Status {
	case ticket.StatusWAITING:
		cl.Pause(at)
	case ticket.StatusRESOLVED, ticket.StatusCLOSED, ticket.StatusCANCELLED:
		// A done ticket owes nothing more (its resolution is met above).
		cl.Stop(at)
	}
	return cl
}

// move applies what the change did to one clock.
func (e *Engine) move(ctx context.Context, tx *events.Tx, t *ent.Ticket, cl *Clock, c events.Change, f facts) error {
	at := c.At
	if f.statusTo != nil {
		from, to := "", *f.statusTo
		if f.statusFrom != nil {
			from = *f.statusFrom
		}
		if from == string(ticket.StatusWAITING) {
			cl.Resume(at)
		}
		if from == string(ticket.StatusRESOLVED) && cl.Metric == slaclock.MetricRESOLUTION &&
			to != string(ticket.StatusCLOSED) && to != string(ticket.StatusCANCELLED) {
			cl.Reopen(at)
		}
		switch ticket.Status(to) {
		case ticket.StatusWAITING:
			cl.Pause(at)
		case ticket.StatusRESOLVED:
			if cl.Metric == slaclock.MetricRESOLUTION {
				cl.Meet(at)
			} else {
				cl.Stop(at)
			}
		case ticket.StatusCLOSED, ticket.StatusCANCELLED:
			cl.Stop(at)
		}
	}
	switch cl.Metric {
	case slaclock.MetricFIRST_ASSIGNMENT:
		// Met when the ticket was first assigned: first_assigned_at is
		// the one definition, whatever change this is.
		if t.FirstAssignedAt != nil {
			cl.Meet(*t.FirstAssignedAt)
		}
	case slaclock.MetricFIRST_RESPONSE:
		if f.firstResponded {
			cl.Meet(at)
		}
	case slaclock.MetricNEXT_RESPONSE:
		if c.Kind == ticketevent.KindCOMMENTED && c.CommentID != nil {
			return e.moveNextResponse(ctx, tx, t, cl, *c.CommentID, at)
		}
	}
	return nil
}

// moveNextResponse meets the NEXT_RESPONSE clock on a public agent reply
// and starts a new run of it on a customer's message once the first
// response is given.
func (e *Engine) moveNextResponse(ctx context.Context, tx *events.Tx, t *ent.Ticket, cl *Clock, commentID gid.ID, at time.Time) error {
	cm, err := tx.Comment.Query().Where(comment.ID(commentID)).Only(ctx)
	if err != nil {
		return fmt.Errorf("loading comment: %w", err)
	}
	switch {
	case cm.Visibility != comment.VisibilityPUBLIC:
	case cm.AuthorAgentID != nil:
		cl.Meet(at)
	case cm.AuthorCustomerID != nil && t.FirstRespondedAt != nil && !cl.Open() &&
		t.Status != ticket.StatusCLOSED && t.Status != ticket.StatusCANCELLED:
		cl.Restart(at)
		if t.Status == ticket.StatusWAITING {
			cl.Pause(at)
		}
	}
	return nil
}

// schedule enqueues the clock's timer for the next level not yet
// announced, tagged with its version (timers of older versions do
// nothing); each timer, when it fires, enqueues the next level's.
func (e *Engine) schedule(ctx context.Context, tx *events.Tx, id gid.ID, cl *Clock, policy *ent.SLAPolicy, cal *Calendar) error {
	if !cl.Running() {
		return nil
	}
	for _, p := range Levels(policy) {
		if p <= cl.FiredPercent {
			continue
		}
		fireAt, ok := cl.At(cal, p)
		if !ok {
			return nil
		}
		return tx.EnqueueJob(ctx, TimerArgs{ClockID: id, Version: cl.Version, Percent: p},
			&river.InsertOpts{ScheduledAt: fireAt})
	}
	return nil
}

// save writes a changed clock under id; for a new one (stored is nil)
// it returns the creation for the caller to run in bulk.
func (e *Engine) save(ctx context.Context, tx *events.Tx, ticketID, id gid.ID, stored *ent.SLAClock, cl Clock) (*ent.SLAClockCreate, error) {
	pauses := cl.Pauses
	if pauses == nil {
		pauses = []Interval{}
	}
	if cl.Version < 1 {
		cl.Version = 1
	}
	if stored == nil {
		create := tx.SLAClock.Create().SetID(id).
			SetTicketID(ticketID).SetMetric(cl.Metric).
			SetTargetSeconds(int(cl.Target / time.Second)).
			SetNillableStartedAt(cl.StartedAt).SetPauses(pauses).SetNillablePausedSince(cl.PausedSince).
			SetNillableDueAt(cl.DueAt).SetNillableMetAt(cl.MetAt).SetNillableBreachedAt(cl.BreachedAt).
			SetNillableStoppedAt(cl.StoppedAt).SetFiredPercent(cl.FiredPercent).SetVersion(cl.Version)
		return create, nil
	}
	if ClockOf(stored).equal(cl) {
		return nil, nil
	}
	// An update by predicate: one statement, without UpdateOne's read
	// back of a row nothing needs.
	upd := tx.SLAClock.Update().Where(slaclock.ID(stored.ID)).
		SetTargetSeconds(int(cl.Target / time.Second)).SetPauses(pauses).
		SetFiredPercent(cl.FiredPercent).SetVersion(cl.Version)
	setTime(cl.StartedAt, upd.SetStartedAt, upd.ClearStartedAt)
	setTime(cl.PausedSince, upd.SetPausedSince, upd.ClearPausedSince)
	setTime(cl.DueAt, upd.SetDueAt, upd.ClearDueAt)
	setTime(cl.MetAt, upd.SetMetAt, upd.ClearMetAt)
	setTime(cl.BreachedAt, upd.SetBreachedAt, upd.ClearBreachedAt)
	setTime(cl.StoppedAt, upd.SetStoppedAt, upd.ClearStoppedAt)
	if err := upd.Exec(ctx); err != nil {
		return nil, fmt.Errorf("updating SLA clock: %w", err)
	}
	return nil, nil
}

func setTime[U any](v *time.Time, set func(time.Time) U, clear func() U) {
	if v == nil {
		clear()
	} else {
		set(*v)
	}
}

// equal compares stored state.
func (c Clock) equal(o Clock) bool {
	return c.Target == o.Target && equalTime(c.StartedAt, o.StartedAt) && slices.EqualFunc(c.Pauses, o.Pauses, func(a, b Interval) bool {
		return a.Start.Equal(b.Start) && a.End.Equal(b.End)
	}) && equalTime(c.PausedSince, o.PausedSince) && equalTime(c.DueAt, o.DueAt) && equalTime(c.MetAt, o.MetAt) &&
		equalTime(c.BreachedAt, o.BreachedAt) && equalTime(c.StoppedAt, o.StoppedAt) &&
		c.FiredPercent == o.FiredPercent && c.Version == o.Version
}

// summarize writes the ticket's SLA summary when it changed, and returns
// the fields that changed.
func (e *Engine) summarize(ctx context.Context, tx *events.Tx, t *ent.Ticket, clocks []Clock) ([]schematype.FieldChange, error) {
	s := Summarize(clocks)
	var changes []schematype.FieldChange
	if s.State != t.SLAState {
		changes = append(changes, schematype.FieldChange{Field: "slaState", From: strPtr(string(t.SLAState)), To: strPtr(string(s.State))})
	}
	for _, d := range []struct {
		field    string
		from, to *time.Time
	}{
		{"nextDueAt", t.NextDueAt, s.NextDueAt},
		{"firstResponseDueAt", t.FirstResponseDueAt, s.FirstResponseDueAt},
		{"resolutionDueAt", t.ResolutionDueAt, s.ResolutionDueAt},
	} {
		if !equalTime(d.from, d.to) {
			changes = append(changes, schematype.FieldChange{Field: d.field, From: timeText(d.from), To: timeText(d.to)})
		}
	}
	if len(changes) == 0 {
		return nil, nil
	}
	// Derived fields: the ticket's updated_at stays the change's.
	upd := tx.Ticket.UpdateOneID(t.ID).SetSLAState(s.State).SetUpdatedAt(t.UpdatedAt)
	setTime(s.NextDueAt, upd.SetNextDueAt, upd.ClearNextDueAt)
	setTime(s.FirstResponseDueAt, upd.SetFirstResponseDueAt, upd.ClearFirstResponseDueAt)
	setTime(s.ResolutionDueAt, upd.SetResolutionDueAt, upd.ClearResolutionDueAt)
	updated, err := upd.Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("updating the SLA state of ticket #%d: %w", t.Number, err)
	}
	tx.KeepTicket(updated)
	return changes, nil
}

func timeText(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.UTC().Format(time.RFC3339Nano)
	return &s
}

// ticketPredicate selects tickets.
type ticketPredicate = predicate.Ticket

// lockTicket reads a ticket for a change, locking its row on PostgreSQL
// (SQLite's write transactions are serialised already).
func (e *Engine) lockTicket(ctx context.Context, tx *events.Tx, id gid.ID) (*ent.Ticket, error) {
	q := tx.Ticket.Query().Where(ticket.ID(id))
	if e.Dialect == dialect.Postgres {
		q = q.ForUpdate()
	}
	return q.Only(ctx)
}

func rowID(r *ent.SLAClock) gid.ID {
	if r == nil {
		return ""
	}
	return r.ID
}

func equalTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

func equalID(a, b *gid.ID) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

func idText(id *gid.ID) *string {
	if id == nil {
		return nil
	}
	s := string(*id)
	return &s
}

func intText(v int) *string {
	s := strconv.Itoa(v)
	return &s
}
