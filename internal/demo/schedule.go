package demo

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"helpdesk/ent/ticket"
	"helpdesk/internal/auth"
	"helpdesk/internal/gid"
	"helpdesk/internal/ticketing"
)

// replay dates every story's steps and runs all of them in time order,
// with the demo clock set to each step's time, after the SLA timers due
// by then (see timers); a ticket a breach escalated is taken over by its
// new team (takeOver). Replaying in one global order keeps event
// sequences, ticket numbers and timestamps consistent.
func (l *loader) replay(ctx context.Context, stories []*story) error {
	var steps []*step
	latest := l.now.Add(-time.Minute)
	for _, s := range stories {
		s.place(latest)
		l.autoClose(s, latest)
		steps = append(steps, s.steps...)
	}
	// Stable: a story's steps keep their order when their times are equal.
	slices.SortStableFunc(steps, func(a, b *step) int { return a.at.Compare(b.at) })
	byTicket := map[gid.ID]*story{}
	breached := func(ctx context.Context, id gid.ID) error {
		s := byTicket[id]
		if s == nil {
			return nil
		}
		t, err := l.tickets.Client.Ticket.Get(ctx, id)
		if err != nil {
			return fmt.Errorf("reading breached ticket: %w", err)
		}
		if t.TeamID != nil && *t.TeamID != s.team.id {
			l.takeOver(s, l.teamByID(*t.TeamID))
		}
		return nil
	}
	ctx = l.timers.observe(ctx)
	for _, st := range steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := l.fireUntil(ctx, st.at, breached); err != nil {
			return err
		}
		if st.at.After(l.clock.Now()) {
			l.clock.Set(st.at)
		}
		if err := st.run(ctx); err != nil {
			return fmt.Errorf("ticket %d, %s at %s: %w", st.story.n, st.what, st.at.Format(time.RFC3339), err)
		}
		st.done = true
		if s := st.story; s.id != "" {
			byTicket[s.id] = s
		}
	}
	if err := l.fireUntil(ctx, l.now, breached); err != nil {
		return err
	}
	return l.insertPending(ctx)
}

// autoClose closes, as the auto-close job would have, a ticket the story
// leaves RESOLVED for longer than the service's auto-close delay, so that
// the history holds its CLOSED event when it happened rather than at the
// server's first start.
func (l *loader) autoClose(s *story, latest time.Time) {
	after := l.tickets.AutoCloseAfter
	if after == 0 {
		after = ticketing.DefaultAutoCloseAfter
	}
	if after < 0 || s.status != ticket.StatusRESOLVED {
		return
	}
	at := s.steps[len(s.steps)-1].at.Add(after)
	if at.After(latest) {
		return
	}
	s.move(auth.System, ticket.StatusCLOSED)
	s.steps[len(s.steps)-1].at = at
}

// place dates the story's steps from its creation. A story too long to
// end before latest is compressed, keeping its steps' order, to end at a
// random moment before latest (so recent stories do not all end at once).
func (s *story) place(latest time.Time) {
	total := s.steps[len(s.steps)-1].offset
	scale := 1.0
	if avail := latest.Sub(s.created); total > avail {
		scale = float64(avail) * (0.3 + 0.7*s.l.rng.Float64()) / float64(total)
	}
	for _, st := range s.steps {
		st.at = s.created.Add(time.Duration(float64(st.offset) * scale)).Truncate(time.Second)
	}
}

// createdTime picks when a ticket arrives: on any of the last historyDays,
// fewer at weekends, mostly in the office's day and evening.
func (l *loader) createdTime() time.Time {
	earliest := l.now.Add(-historyDays*24*time.Hour + time.Hour)
	latest := l.now.Add(-10 * time.Minute)
	local := l.now.In(l.loc)
	for {
		d := local.AddDate(0, 0, -l.rng.IntN(historyDays))
		if wd := d.Weekday(); (wd == time.Saturday || wd == time.Sunday) && l.rng.IntN(100) < 55 {
			continue
		}
		hour := l.weighted(hourWeights[:])
		t := time.Date(d.Year(), d.Month(), d.Day(), hour, l.rng.IntN(60), l.rng.IntN(60), 0, l.loc).UTC()
		if t.After(earliest) && t.Before(latest) {
			return t
		}
	}
}

// hourWeights is how tickets arrive over the office's day.
var hourWeights = [24]int{1, 1, 1, 1, 1, 2, 3, 6, 10, 14, 14, 12, 8, 10, 13, 13, 11, 9, 7, 6, 6, 5, 3, 2}

// between returns a duration from min to max, spread evenly on a log
// scale: short waits are as common as long ones relative to their size.
func (l *loader) between(min, max time.Duration) time.Duration {
	lo, hi := math.Log(float64(min)), math.Log(float64(max))
	return time.Duration(math.Exp(lo + l.rng.Float64()*(hi-lo)))
}

// weighted returns an index into weights, chosen in proportion to them.
func (l *loader) weighted(weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := l.rng.IntN(total)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}

// choose returns one of the options, chosen in proportion to its weight.
func choose[T cmp.Ordered](l *loader, options map[T]int) T {
	keys := make([]T, 0, len(options))
	for k := range options {
		keys = append(keys, k)
	}
	slices.Sort(keys) // map order is random; the seed must decide alone.
	weights := make([]int, len(keys))
	for i, k := range keys {
		weights[i] = options[k]
	}
	return keys[l.weighted(weights)]
}
