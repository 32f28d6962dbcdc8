package ticketing

import (
	"context"
	"fmt"

	"helpdesk/ent"
	"helpdesk/ent/ticket"
	"helpdesk/internal/apperr"
	"helpdesk/internal/auth"
	"helpdesk/internal/authz"
	"helpdesk/internal/gid"
	"helpdesk/internal/notify"
)

// mentionPlan is who a comment mentions and whom it must make a watcher
// so that they can read the ticket.
type mentionPlan struct {
	mentions    []gid.ID
	newWatchers []gid.ID
}

// planMentions merges the agents named by mentionIDs with those named by
// @handles in the body, and decides what to do about each one who cannot
// read the ticket: they become a watcher when the author may change the
// ticket (and so its watchers); otherwise the comment is refused, naming
// the input that mentioned them.
func (s *Service) planMentions(ctx context.Context, tx *ent.Tx, viewer auth.Viewer, t *ent.Ticket, res authz.Resource,
	body string, mentionIDs []gid.ID) (mentionPlan, error) {
	var plan mentionPlan
	byID, err := checkAgents(ctx, tx, "input.mentionIDs", mentionIDs)
	if err != nil {
		return plan, err
	}
	byHandle, err := notify.ResolveHandles(ctx, tx.Client(), "input.body", body)
	if err != nil {
		return plan, err
	}
	plan.mentions = dedupe(append(byID, byHandle...))
	if len(plan.mentions) > maxMentions {
		return plan, apperr.Invalid("input.mentionIDs", "a comment mentions at most %d agents, got %d", maxMentions, len(plan.mentions))
	}
	mayGrant := -1 // unknown until needed
	for i, id := range plan.mentions {
		ok, err := s.Authz.AgentCanRead(ctx, tx.Client(), id, t)
		if err != nil {
			return plan, err
		}
		if ok {
			continue
		}
		if mayGrant < 0 {
			mayGrant = 0
			if can, err := s.Authz.Can(viewer, authz.ActWrite, authz.TicketDomain(t), res); err != nil {
				return plan, err
			} else if can {
				mayGrant = 1
			}
		}
		if mayGrant == 1 {
			plan.newWatchers = append(plan.newWatchers, id)
			continue
		}
		if i < len(byID) {
			return plan, apperr.Invalid("input.mentionIDs",
				"agent %s cannot see ticket #%d, and you may not add watchers to it: ask someone who may, or leave the mention out", id, t.Number)
		}
		handle, err := handleOf(ctx, tx, id)
		if err != nil {
			return plan, err
		}
		return plan, apperr.Invalid("input.body",
			"@%s cannot see ticket #%d, and you may not add watchers to it: ask someone who may, or leave the mention out", handle, t.Number)
	}
	return plan, nil
}

// addWatchers makes the plan's new watchers watch the ticket, recording
// the change of watchers in ch.
func (p mentionPlan) addWatchers(ctx context.Context, tx *ent.Tx, t *ent.Ticket, upd *ent.TicketUpdateOne, ch *changeSet) error {
	if len(p.newWatchers) == 0 {
		return nil
	}
	current, err := tx.Ticket.Query().Where(ticket.ID(t.ID)).QueryWatchers().IDs(ctx)
	if err != nil {
		return fmt.Errorf("reading watchers: %w", err)
	}
	before, after := map[string]bool{}, map[string]bool{}
	for _, id := range current {
		before[string(id)], after[string(id)] = true, true
	}
	for _, id := range p.newWatchers {
		after[string(id)] = true
	}
	upd.AddWatcherIDs(p.newWatchers...)
	ch.add("watchers", strPtr(sortedKeys(before)), strPtr(sortedKeys(after)))
	return nil
}

func handleOf(ctx context.Context, tx *ent.Tx, id gid.ID) (string, error) {
	a, err := tx.Agent.Get(ctx, id)
	if err != nil {
		return "", fmt.Errorf("loading agent %s: %w", id, err)
	}
	return notify.Handle(a.Email), nil
}
