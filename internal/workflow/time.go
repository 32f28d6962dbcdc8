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

// LogEntry is what one entry of a ticket's history says about its times.
type LogEntry struct {
	At time.Time
	// Status is the status the entry moved the ticket to, "" when it
	// left the status alone.
	Status ticket.Status
	// Assigned: the entry gave the ticket to an agent.
	Assigned bool
	// Responded: the entry is a public reply by an agent.
	Responded bool
}

// Times are a ticket's time figures as its history gives them: the
// working and waiting totals, when it was first assigned and first
// answered, and when it was last resolved (nil once reopened).
type Times struct {
	TimeTotals
	FirstAssignedAt, FirstRespondedAt, ResolvedAt *time.Time
}

// ReplayTimes recomputes a ticket's time figures from its history, in
// order, the first entry being its creation (with its initial status).
// It gives what the ticket kept as the changes happened: time accrues
// while IN_PROGRESS and WAITING (Accrue); a resolution is kept when the ticket is closed and dropped
// when it moves anywhere else.
func ReplayTimes(entries []LogEntry) Times {
	var out Times
	var status ticket.Status
	var since time.Time
	for i, e := range entries {
		if e.Assigned && out.FirstAssignedAt == nil {
			out.FirstAssignedAt = timePtr(e.At)
		}
		if e.Responded && out.FirstRespondedAt == nil {
			out.FirstRespondedAt = timePtr(e.At)
		}
		if i == 0 {
			status, since = e.Status, e.At
			continue
		}
		if e.Status == "" {
			continue
		}
		out.TimeTotals = Accrue(out.TimeTotals, status, since, e.At)
		switch {
		case e.Status == ticket.StatusRESOLVED:
			out.ResolvedAt = timePtr(e.At)
		case status == ticket.StatusRESOLVED && e.Status != ticket.StatusCLOSED:
			out.ResolvedAt = nil
		}
		status, since = e.Status, e.At
	}
	return out
}

func timePtr(t time.Time) *time.Time { return &t }
