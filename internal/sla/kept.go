package sla

import (
	"context"
	"slices"
	"time"

	"helpdesk/ent"
	"helpdesk/ent/slaclock"
	"helpdesk/internal/events"
	"helpdesk/internal/gid"
)

// Under events.ShareRows (the demo load, where the engine is the only
// writer of sla_clocks) each ticket's clock rows are kept from one change
// to the next instead of read again: apply keeps the rows it leaves, and
// a timer firing keeps the level it marks.

func keptClocksKey(ticketID gid.ID) string { return "sla.clocks:" + string(ticketID) }

func keptClockTicketKey(clockID gid.ID) string { return "sla.clock-ticket:" + string(clockID) }

// ticketClocks returns the ticket's clock rows, which the caller must
// not modify.
func ticketClocks(ctx context.Context, tx *events.Tx, ticketID gid.ID) ([]*ent.SLAClock, error) {
	if rows, ok := events.Kept(ctx, keptClocksKey(ticketID)); ok {
		return rows.([]*ent.SLAClock), nil
	}
	rows, err := tx.SLAClock.Query().Where(slaclock.TicketID(ticketID)).All(ctx)
	if err == nil {
		keepClocks(ctx, ticketID, rows)
	}
	return rows, err
}

// keepClocks keeps rows as the ticket's clocks.
func keepClocks(ctx context.Context, ticketID gid.ID, rows []*ent.SLAClock) {
	events.Keep(ctx, keptClocksKey(ticketID), rows)
	for _, r := range rows {
		events.Keep(ctx, keptClockTicketKey(r.ID), ticketID)
	}
}

// StoredClock returns a clock's row as stored: kept (see above), else
// read with the engine's client. The caller must not modify it.
func (e *Engine) StoredClock(ctx context.Context, id gid.ID) (*ent.SLAClock, error) {
	return storedClock(ctx, e.Client, id)
}

func storedClock(ctx context.Context, client *ent.Client, id gid.ID) (*ent.SLAClock, error) {
	if ticketID, ok := events.Kept(ctx, keptClockTicketKey(id)); ok {
		if rows, ok := events.Kept(ctx, keptClocksKey(ticketID.(gid.ID))); ok {
			for _, r := range rows.([]*ent.SLAClock) {
				if r.ID == id {
					return r, nil
				}
			}
		}
	}
	return client.SLAClock.Query().Where(slaclock.ID(id)).Only(ctx)
}

// keepFired records in the kept clocks a level marked as fired.
func keepFired(ctx context.Context, ticketID, id gid.ID, percent int, breachedAt *time.Time) {
	kept, ok := events.Kept(ctx, keptClocksKey(ticketID))
	if !ok {
		return
	}
	rows := slices.Clone(kept.([]*ent.SLAClock))
	for i, r := range rows {
		if r.ID == id {
			row := *r
			row.FiredPercent = percent
			if breachedAt != nil {
				row.BreachedAt = breachedAt
			}
			rows[i] = &row
		}
	}
	events.Keep(ctx, keptClocksKey(ticketID), rows)
}

// storedRow is the row save writes for a clock.
func storedRow(ticketID, id gid.ID, cl Clock) *ent.SLAClock {
	pauses := cl.Pauses
	if pauses == nil {
		pauses = []Interval{}
	}
	return &ent.SLAClock{
		ID: id, TicketID: ticketID, Metric: cl.Metric, TargetSeconds: int(cl.Target / time.Second),
		StartedAt: cl.StartedAt, Pauses: slices.Clone(pauses), PausedSince: cl.PausedSince,
		DueAt: cl.DueAt, MetAt: cl.MetAt, BreachedAt: cl.BreachedAt, StoppedAt: cl.StoppedAt,
		FiredPercent: cl.FiredPercent, Version: max(cl.Version, 1),
	}
}
