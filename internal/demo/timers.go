package demo

import (
	"cmp"
	"container/heap"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/riverqueue/river/rivertype"

	"helpdesk/ent/ticket"
	"helpdesk/internal/auth"
	"helpdesk/internal/gid"
	"helpdesk/internal/jobs"
	"helpdesk/internal/sla"
	"helpdesk/internal/store"
	"helpdesk/internal/ticketing"
)

// timers replays the SLA timers the history schedules, through the SLA
// engine running on the demo clock: a timer due before a step fires
// before it, dated when it was due, so reminders, warnings, breaches and
// the policies' breach actions are part of the history. The timers are
// held back from the job queue while the history is replayed (most fire
// during it, or are voided by a later change); those still due after
// "now" are inserted at the end, so the server's first start finds only
// them and fires nothing at once.
type timers struct {
	engine sla.Engine
	queue  *jobs.Queue
	due    timerHeap
	err    error
}

type timer struct {
	at   time.Time
	id   int64 // the order in which the timers were scheduled
	args sla.TimerArgs
	job  *rivertype.JobRow
}

// timerHeap orders timers by due time, then by insertion.
type timerHeap []timer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].id < h[j].id
}
func (h timerHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *timerHeap) Push(x any)   { *h = append(*h, x.(timer)) }
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	*h = old[:len(old)-1]
	return t
}

// newTimers returns the replay of s's timers on c, or nil when s has no
// SLA engine or job queue (then the server fires the past timers).
func newTimers(s Services, c *clock) *timers {
	if s.SLA == nil || s.Jobs == nil {
		return nil
	}
	t := &timers{engine: *s.SLA, queue: s.Jobs}
	t.engine.Now = c.Now
	return t
}

// observe returns ctx under which the timers scheduled are held back
// from the job queue and noted.
func (t *timers) observe(ctx context.Context) context.Context {
	if t == nil {
		return ctx
	}
	return jobs.WithInsertDiverter(ctx, (sla.TimerArgs{}).Kind(), func(job *rivertype.JobRow) {
		var args sla.TimerArgs
		if err := json.Unmarshal(job.EncodedArgs, &args); err != nil {
			t.err = fmt.Errorf("reading SLA timer %s: %w", job.EncodedArgs, err)
			return
		}
		// The diverter's ids count down in the order of scheduling.
		heap.Push(&t.due, timer{at: job.ScheduledAt, id: -job.ID, args: args, job: job})
	})
}

// fireUntil fires, in due order, every timer due at or before until
// (including those the firings schedule), with the demo clock at each
// one's due time; breached is called with each breached clock's ticket.
func (l *loader) fireUntil(ctx context.Context, until time.Time, breached func(ctx context.Context, ticketID gid.ID) error) error {
	t := l.timers
	if t == nil {
		return nil
	}
	for t.err == nil && len(t.due) > 0 && !t.due[0].at.After(until) {
		next := heap.Pop(&t.due).(timer)
		// Most timers are of clocks stopped or moved since: the engine
		// would read the clock and do nothing; reading it here is cheaper.
		row, err := t.engine.StoredClock(ctx, next.args.ClockID)
		if err != nil {
			return fmt.Errorf("loading SLA clock: %w", err)
		}
		if cl := sla.ClockOf(row); cl.Version != next.args.Version || !cl.Running() || cl.FiredPercent >= next.args.Percent {
			continue
		}
		if next.at.After(l.clock.Now()) {
			l.clock.Set(next.at)
		}
		err = t.engine.Fire(ctx, next.args)
		if snooze := (*rivertype.JobSnoozeError)(nil); errors.As(err, &snooze) {
			// Stored times are coarser than the engine's: try again when due.
			next.at = l.clock.Now().Add(snooze.Duration)
			heap.Push(&t.due, next)
			continue
		}
		if err != nil {
			return fmt.Errorf("firing SLA timer %s at %s: %w", next.job.EncodedArgs, next.at.Format(time.RFC3339), err)
		}
		if next.args.Percent >= 100 && breached != nil {
			if err := breached(ctx, row.TicketID); err != nil {
				return err
			}
		}
	}
	return t.err
}

// insertPending inserts in the job queue the timers still due after the
// load's now, as they were scheduled; the others have fired or were
// voided.
func (l *loader) insertPending(ctx context.Context) error {
	if l.timers == nil || len(l.timers.due) == 0 {
		return nil
	}
	tx := store.SQLTx(ctx)
	if tx == nil {
		return errors.New("replaying SLA timers needs the load's transaction (Services.DB)")
	}
	pending := make([]*rivertype.JobRow, len(l.timers.due))
	for i, t := range l.timers.due {
		pending[i] = t.job
	}
	slices.SortFunc(pending, func(a, b *rivertype.JobRow) int { return cmp.Compare(b.ID, a.ID) })
	return l.timers.queue.InsertRowsTx(ctx, tx, pending)
}

// takeOver rewrites the rest of a story whose ticket a breach escalated
// to another team: the steps planned for the first team's agent give
// way to a member of the new team taking the ticket and, when the story
// was to end resolved, closed or cancelled, ending it so.
func (l *loader) takeOver(s *story, to *demoTeam) {
	var rest []*step
	for _, st := range s.steps {
		if !st.done {
			st.run = func(context.Context) error { return nil }
			rest = append(rest, st)
		}
	}
	s.team = to
	if len(rest) == 0 {
		return
	}
	final := s.status
	planned := to.pickMember(l)
	rest[0].what = "take over after escalation"
	rest[0].run = func(ctx context.Context) error {
		t, err := l.tickets.Client.Ticket.Get(ctx, s.id)
		if err != nil {
			return err
		}
		if t.AssigneeID != nil { // the team's strategy gave it out already
			s.assignee = l.agentByID(*t.AssigneeID)
			return nil
		}
		s.assignee = planned
		_, err = l.tickets.UpdateTicket(auth.WithViewer(ctx, planned.viewer), s.id, ticketing.UpdateTicketInput{AssigneeID: &planned.id})
		return err
	}
	if len(rest) < 2 {
		return
	}
	end := rest[len(rest)-1]
	move := func(to ticket.Status, by func() auth.Viewer) func(ctx context.Context) error {
		return func(ctx context.Context) error {
			_, err := l.tickets.SetTicketStatus(auth.WithViewer(ctx, by()), s.id, to, nil)
			return err
		}
	}
	assignee := func() auth.Viewer { return s.assignee.viewer }
	switch final {
	case ticket.StatusRESOLVED, ticket.StatusCLOSED:
		solve := func(ctx context.Context) error {
			if !s.internal {
				body := s.write(s.topic.solutions, s.assignee)
				if _, err := l.tickets.AddComment(auth.WithViewer(ctx, s.assignee.viewer), ticketing.AddCommentInput{
					TicketID: s.id, Body: body}); err != nil {
					return err
				}
				l.sum.Comments++
			}
			return move(ticket.StatusRESOLVED, assignee)(ctx)
		}
		if final == ticket.StatusRESOLVED {
			end.what, end.run = "resolve after escalation", solve
			return
		}
		closeIt := move(ticket.StatusCLOSED, func() auth.Viewer { return auth.System })
		if len(rest) == 2 {
			end.what, end.run = "resolve and close after escalation", func(ctx context.Context) error {
				if err := solve(ctx); err != nil {
					return err
				}
				return closeIt(ctx)
			}
			return
		}
		rest[len(rest)-2].what, rest[len(rest)-2].run = "resolve after escalation", solve
		end.what, end.run = "close after escalation", closeIt
	case ticket.StatusCANCELLED:
		end.what, end.run = "cancel after escalation", move(ticket.StatusCANCELLED, assignee)
	}
}

// agentByID returns the demo agent with the given id.
func (l *loader) agentByID(id gid.ID) *demoAgent {
	for _, a := range l.agents {
		if a.id == id {
			return a
		}
	}
	panic("demo: no agent " + string(id))
}
