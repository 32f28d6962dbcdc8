package directory

import (
	"context"

	"helpdesk/ent"
	"helpdesk/internal/auth"
	"helpdesk/internal/events"
	"helpdesk/internal/gid"
	"helpdesk/internal/store"
)

// Queue is what the team queues need to hear from the directory, in the
// transaction of the change that calls for it (ticketing.Service
// implements it).
type Queue interface {
	// PullFor gives the agent, while free, the most urgent then oldest
	// queued tickets of their teams.
	PullFor(ctx context.Context, tx *events.Tx, agentID gid.ID) error
	// RequeueOpen hands the agent's OPEN (not started) tickets back to the
	// queues of the teams that ask for it when a member goes OFFLINE.
	RequeueOpen(ctx context.Context, tx *events.Tx, agentID gid.ID) error
}

// queueWork collects, during a change, the agents the queues must hear
// about once it is made.
type queueWork struct {
	mayBeFree []gid.ID
	offline   []gid.ID
	// calendarChanged are teams given another business calendar.
	calendarChanged []gid.ID
}

// withQueue runs fn in one transaction of the change pipeline and then,
// in the same transaction, tells the queue about the agents fn noted: a
// member who comes ONLINE, gains capacity or joins a team takes queued
// tickets at once, and the ticket changes commit with the directory
// change. Without a pipeline or a queue it is withTx.
func (s *Service) withQueue(ctx context.Context, fn func(tx *ent.Tx, q *queueWork) error) error {
	if s.Events == nil || s.Queue == nil {
		return store.WithTx(ctx, s.Client, func(tx *ent.Tx) error { return fn(tx, &queueWork{}) })
	}
	return s.Events.WithTx(ctx, func(etx *events.Tx) error {
		var q queueWork
		if err := fn(etx.Tx, &q); err != nil {
			return err
		}
		// The queues act for the helpdesk, not for the viewer: the viewer
		// may not read the tickets that move.
		sys := auth.WithViewer(ctx, auth.System)
		for _, id := range q.offline {
			if err := s.Queue.RequeueOpen(sys, etx, id); err != nil {
				return err
			}
		}
		for _, id := range q.mayBeFree {
			if err := s.Queue.PullFor(sys, etx, id); err != nil {
				return err
			}
		}
		for _, id := range q.calendarChanged {
			if s.TeamCalendarChanged == nil {
				break
			}
			if err := s.TeamCalendarChanged(sys, etx, id); err != nil {
				return err
			}
		}
		return nil
	})
}
