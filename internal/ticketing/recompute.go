package ticketing

import (
	"context"
	"fmt"
	"time"

	"helpdesk/ent"
	"helpdesk/ent/comment"
	"helpdesk/ent/ticket"
	"helpdesk/ent/ticketevent"
	"helpdesk/internal/apperr"
	"helpdesk/internal/auth"
	"helpdesk/internal/authz"
	"helpdesk/internal/events"
	"helpdesk/internal/gid"
	"helpdesk/internal/workflow"
)

// RecomputeTicketTimes rebuilds a ticket's time figures from its history
// (workflow.ReplayTimes) — working and waiting totals, first assignment,
// first response and resolution, with their seconds since creation — and
// stores those that differ from what the ticket holds, recorded as
// UPDATED. A ticket whose figures agree with its history is returned
// unchanged. Administrators only: the figures feed every report. CLOSED
// and CANCELLED tickets are rebuilt too.
func (s *Service) RecomputeTicketTimes(ctx context.Context, id gid.ID) (*ent.Ticket, error) {
	viewer, err := s.Authz.CheckConfig(ctx, authz.ActRecompute, authz.ObjConfig)
	if err != nil {
		return nil, err
	}
	var changed *ent.Ticket
	err = s.withTx(ctx, func(etx *events.Tx) error {
		t, err := s.lockTicket(etx.Ticket.Query().Where(ticket.ID(id))).Only(ctx)
		if ent.IsNotFound(err) {
			return apperr.NotFound("no ticket with id %q", id)
		}
		if err != nil {
			return fmt.Errorf("loading ticket: %w", err)
		}
		times, err := timesFromLog(ctx, etx.Tx, t.ID)
		if err != nil {
			return err
		}
		upd := etx.Ticket.UpdateOneID(t.ID)
		var ch changeSet
		if times.WorkingSeconds != t.WorkingSeconds {
			upd.SetWorkingSeconds(times.WorkingSeconds)
			ch.add("workingSeconds", intText(t.WorkingSeconds), intText(times.WorkingSeconds))
		}
		if times.WaitingSeconds != t.WaitingSeconds {
			upd.SetWaitingSeconds(times.WaitingSeconds)
			ch.add("waitingSeconds", intText(t.WaitingSeconds), intText(times.WaitingSeconds))
		}
		moment := func(name, secondsName string, stored *time.Time, storedSeconds *int, rebuilt *time.Time,
			set func(time.Time, int), clear func()) {
			var seconds *int
			if rebuilt != nil {
				seconds = new(int)
				*seconds = secondsSince(t.CreatedAt, *rebuilt)
			}
			if sameTime(stored, rebuilt) && sameInt(storedSeconds, seconds) {
				return
			}
			if rebuilt == nil {
				clear()
			} else {
				set(*rebuilt, *seconds)
			}
			ch.addTime(name, stored, rebuilt)
			ch.add(secondsName, optionalIntText(storedSeconds), optionalIntText(seconds))
		}
		moment("firstAssignedAt", "firstAssignmentSeconds", t.FirstAssignedAt, t.FirstAssignmentSeconds, times.FirstAssignedAt,
			func(at time.Time, n int) { upd.SetFirstAssignedAt(at).SetFirstAssignmentSeconds(n) },
			func() { upd.ClearFirstAssignedAt().ClearFirstAssignmentSeconds() })
		moment("firstRespondedAt", "firstResponseSeconds", t.FirstRespondedAt, t.FirstResponseSeconds, times.FirstRespondedAt,
			func(at time.Time, n int) { upd.SetFirstRespondedAt(at).SetFirstResponseSeconds(n) },
			func() { upd.ClearFirstRespondedAt().ClearFirstResponseSeconds() })
		moment("resolvedAt", "resolutionSeconds", t.ResolvedAt, t.ResolutionSeconds, times.ResolvedAt,
			func(at time.Time, n int) { upd.SetResolvedAt(at).SetResolutionSeconds(n) },
			func() { upd.ClearResolvedAt().ClearResolutionSeconds() })
		changed, err = s.commitKind(ctx, etx, viewer, t, upd, ch, ticketevent.KindUPDATED, s.now())
		readBack(etx, &changed)
		return err
	})
	if err != nil {
		return nil, err
	}
	return changed.Unwrap(), nil
}

// timesFromLog reads a ticket's history, in order, as workflow.LogEntry
// values and replays it: status changes, the changes that gave the
// ticket to an agent, and the comments that were public agent replies.
func timesFromLog(ctx context.Context, tx *ent.Tx, id gid.ID) (workflow.Times, error) {
	ctx = auth.WithViewer(ctx, auth.System)
	evs, err := tx.TicketEvent.Query().Where(ticketevent.TicketID(id)).
		Order(ticketevent.BySequence()).All(ctx)
	if err != nil {
		return workflow.Times{}, fmt.Errorf("reading the ticket's history: %w", err)
	}
	var commentIDs []gid.ID
	for _, ev := range evs {
		if ev.CommentID != nil {
			commentIDs = append(commentIDs, *ev.CommentID)
		}
	}
	replies, err := tx.Comment.Query().
		Where(comment.IDIn(commentIDs...), comment.VisibilityEQ(comment.VisibilityPUBLIC), comment.AuthorAgentIDNotNil()).
		IDs(ctx)
	if err != nil {
		return workflow.Times{}, fmt.Errorf("reading the ticket's replies: %w", err)
	}
	isReply := map[gid.ID]bool{}
	for _, r := range replies {
		isReply[r] = true
	}
	entries := make([]workflow.LogEntry, 0, len(evs))
	for _, ev := range evs {
		ch := changeSet(ev.Changes)
		e := workflow.LogEntry{At: ev.CreatedAt}
		if st := ch.field("status"); st != nil && st.To != nil {
			e.Status = ticket.Status(*st.To)
		}
		if a := ch.field("assignee"); a != nil && a.To != nil {
			e.Assigned = true
		}
		e.Responded = ev.CommentID != nil && isReply[*ev.CommentID]
		entries = append(entries, e)
	}
	return workflow.ReplayTimes(entries), nil
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func sameInt(a, b *int) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func optionalIntText(n *int) *string {
	if n == nil {
		return nil
	}
	return intText(*n)
}
