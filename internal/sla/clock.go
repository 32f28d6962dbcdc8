package sla

import (
	"slices"
	"time"

	"helpdesk/ent"
	"helpdesk/ent/schematype"
	"helpdesk/ent/slaclock"
	"helpdesk/ent/ticket"
)

// Metrics lists the SLA metrics in the order a timeline shows them.
var Metrics = []slaclock.Metric{
	slaclock.MetricFIRST_ASSIGNMENT, slaclock.MetricFIRST_RESPONSE,
	slaclock.MetricNEXT_RESPONSE, slaclock.MetricRESOLUTION,
}

// Targets returns the targets a policy sets for a priority, per metric;
// a nil policy sets none.
func Targets(p *ent.SLAPolicy, priority schematype.Priority) map[slaclock.Metric]time.Duration {
	out := map[slaclock.Metric]time.Duration{}
	if p == nil {
		return out
	}
	for _, t := range p.Targets {
		if t.Priority != priority {
			continue
		}
		for m, v := range map[slaclock.Metric]*int{
			slaclock.MetricFIRST_ASSIGNMENT: t.FirstAssignmentMinutes,
			slaclock.MetricFIRST_RESPONSE:   t.FirstResponseMinutes,
			slaclock.MetricNEXT_RESPONSE:    t.NextResponseMinutes,
			slaclock.MetricRESOLUTION:       t.ResolutionMinutes,
		} {
			if v != nil && *v > 0 {
				out[m] = time.Duration(*v) * time.Minute
			}
		}
	}
	return out
}

// Clock is the state of one SLA clock, as stored in an SLAClock row.
type Clock struct {
	Metric      slaclock.Metric
	Target      time.Duration
	StartedAt   *time.Time
	Pauses      []Interval
	PausedSince *time.Time
	DueAt       *time.Time
	MetAt       *time.Time
	BreachedAt  *time.Time
	StoppedAt   *time.Time
	// FiredPercent is the highest level already announced; Version
	// identifies the current schedule of timers.
	FiredPercent int
	Version      int
}

// ClockOf reads a stored clock.
func ClockOf(row *ent.SLAClock) Clock {
	return Clock{
		Metric: row.Metric, Target: time.Duration(row.TargetSeconds) * time.Second,
		StartedAt: row.StartedAt, Pauses: slices.Clone(row.Pauses), PausedSince: row.PausedSince,
		DueAt: row.DueAt, MetAt: row.MetAt, BreachedAt: row.BreachedAt, StoppedAt: row.StoppedAt,
		FiredPercent: row.FiredPercent, Version: row.Version,
	}
}

// Open reports whether the clock has started and is neither met nor
// stopped (it may be paused).
func (c *Clock) Open() bool { return c.StartedAt != nil && c.MetAt == nil && c.StoppedAt == nil }

// Running reports whether the clock is open and not paused.
func (c *Clock) Running() bool { return c.Open() && c.PausedSince == nil }

// Pause stops counting at "at"; a paused or closed clock is unchanged.
func (c *Clock) Pause(at time.Time) {
	if c.Running() {
		c.PausedSince = &at
	}
}

// Resume counts again from "at", adding the pause to Pauses.
func (c *Clock) Resume(at time.Time) {
	if c.Open() && c.PausedSince != nil {
		c.Pauses = append(c.Pauses, Interval{Start: *c.PausedSince, End: at})
		c.PausedSince = nil
	}
}

// Meet marks the clock met at "at" (closing a pause under way).
func (c *Clock) Meet(at time.Time) {
	if c.Open() {
		c.Resume(at)
		c.MetAt = &at
	}
}

// Stop ends the clock without meeting it.
func (c *Clock) Stop(at time.Time) {
	if c.Open() {
		c.Resume(at)
		c.StoppedAt = &at
	}
}

// CloseLate records, on a clock just met or stopped, the breach it had
// reached before: when its target had passed in cal by the time it
// closed and no timer announced the breach yet, BreachedAt becomes the
// instant the target passed. A clock closed in time keeps no breach: one
// stopped without being met (a ticket resolved without a reply) ends as
// neither met nor breached.
func (c *Clock) CloseLate(cal *Calendar) {
	if c.StartedAt == nil || c.BreachedAt != nil {
		return
	}
	end := c.MetAt
	if end == nil {
		end = c.StoppedAt
	}
	if end == nil {
		return
	}
	if due, ok := cal.Add(*c.StartedAt, c.Target, c.Pauses); ok && due.Before(*end) {
		c.BreachedAt = &due
	}
}

// Reopen resumes a met clock: the time since it was met is added back as
// a pause.
func (c *Clock) Reopen(at time.Time) {
	if c.StartedAt != nil && c.MetAt != nil && c.StoppedAt == nil {
		c.Pauses = append(c.Pauses, Interval{Start: *c.MetAt, End: at})
		c.MetAt = nil
	}
}

// Restart begins a new run of the clock at "at" (a NEXT_RESPONSE clock on
// each customer message): pauses, met and breach times and fired levels
// of the previous run are forgotten.
func (c *Clock) Restart(at time.Time) {
	c.StartedAt = &at
	c.Pauses = nil
	c.PausedSince, c.MetAt, c.BreachedAt, c.StoppedAt = nil, nil, nil, nil
	c.FiredPercent = 0
}

// At returns the instant the clock reaches percent of its target in cal;
// ok is false when it does not run or never gets there.
func (c *Clock) At(cal *Calendar, percent int) (time.Time, bool) {
	if !c.Running() {
		return time.Time{}, false
	}
	return cal.Add(*c.StartedAt, c.Target*time.Duration(percent)/100, c.Pauses)
}

// Due computes the clock's due time in cal: nil unless it is running.
func (c *Clock) Due(cal *Calendar) *time.Time {
	due, ok := c.At(cal, 100)
	if !ok {
		return nil
	}
	return &due
}

// Remaining returns the business time left at now (negative once
// overdue); ok is false when the clock is not open.
func (c *Clock) Remaining(cal *Calendar, now time.Time) (time.Duration, bool) {
	if !c.Open() {
		return 0, false
	}
	until := now
	if c.PausedSince != nil {
		until = *c.PausedSince
	}
	if due := c.DueAt; due != nil && until.After(*due) {
		// Overdue: count how far past the due time the clock is.
		return -cal.Between(*due, until, c.Pauses), true
	}
	return c.Target - cal.Between(*c.StartedAt, until, c.Pauses), true
}

// State is the clock's own SLA state.
func (c *Clock) State() ticket.SLAState {
	switch {
	case c.BreachedAt != nil:
		return ticket.SLAStateBREACHED
	case c.MetAt != nil:
		return ticket.SLAStateMET
	case !c.Open():
		return ticket.SLAStateNONE
	case c.PausedSince != nil:
		return ticket.SLAStatePAUSED
	case c.FiredPercent > 0:
		return ticket.SLAStateAT_RISK
	default:
		return ticket.SLAStateON_TRACK
	}
}

// Summary is what a ticket shows of its clocks.
type Summary struct {
	State              ticket.SLAState
	FirstResponseDueAt *time.Time
	ResolutionDueAt    *time.Time
	// NextDueAt is the soonest due time of the open clocks.
	NextDueAt *time.Time
}

// Summarize sums a ticket's clocks up: BREACHED when any clock breached,
// else PAUSED when an open clock is paused, else AT_RISK when an open
// clock passed a reminder level, else ON_TRACK when one runs, else MET
// when one was met, else NONE.
func Summarize(clocks []Clock) Summary {
	var s Summary
	has := map[ticket.SLAState]bool{}
	for i := range clocks {
		c := &clocks[i]
		has[c.State()] = true
		switch c.Metric {
		case slaclock.MetricFIRST_RESPONSE:
			s.FirstResponseDueAt = c.DueAt
		case slaclock.MetricRESOLUTION:
			s.ResolutionDueAt = c.DueAt
		}
		if c.Open() && c.DueAt != nil && (s.NextDueAt == nil || c.DueAt.Before(*s.NextDueAt)) {
			s.NextDueAt = c.DueAt
		}
	}
	s.State = ticket.SLAStateNONE
	for _, st := range []ticket.SLAState{ticket.SLAStateBREACHED, ticket.SLAStatePAUSED, ticket.SLAStateAT_RISK,
		ticket.SLAStateON_TRACK, ticket.SLAStateMET} {
		if has[st] {
			s.State = st
			break
		}
	}
	return s
}

// Levels are the percentages of a target at which a policy's timers
// fire, ascending, ending with the breach at 100.
func Levels(p *ent.SLAPolicy) []int {
	var out []int
	if p != nil {
		for _, v := range p.ReminderPercents {
			if v > 0 && v < 100 {
				out = append(out, v)
			}
		}
	}
	slices.Sort(out)
	return append(slices.Compact(out), 100)
}
