package workflow

import (
	"time"

	"helpdesk/ent/ticket"
)

// TimeTotals are a ticket's accrued seconds: working while IN_PROGRESS,
// waiting while WAITING.
type TimeTotals struct {
	WorkingSeconds int
	WaitingSeconds int
}

// Accrue adds the time a ticket spent in status, from since to now, to
// totals. Only IN_PROGRESS and WAITING accrue; a clock that went
// backwards adds nothing.
func Accrue(totals TimeTotals, status ticket.Status, since, now time.Time) TimeTotals {
	elapsed := int(now.Sub(since) / time.Second)
	if elapsed <= 0 {
		return totals
	}
	switch status {
	case ticket.StatusIN_PROGRESS:
		totals.WorkingSeconds += elapsed
	case ticket.StatusWAITING:
		totals.WaitingSeconds += elapsed
	}
	return totals
}

// StatusChange is one status change of a ticket's history.
type StatusChange struct {
	At time.Time
	To ticket.Status
}

// Replay recomputes a ticket's working and waiting totals from its
// history: it starts in initial at start and moves through changes in
// order. It gives what Accrue kept as the changes happened.
func Replay(start time.Time, initial ticket.Status, changes []StatusChange) TimeTotals {
	var totals TimeTotals
	status, since := initial, start
	for _, c := range changes {
		totals = Accrue(totals, status, since, c.At)
		status, since = c.To, c.At
	}
	return totals
}
