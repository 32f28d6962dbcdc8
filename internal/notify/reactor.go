// Package notify tells agents about ticket changes that concern them:
// @mentions in comments, assignments, and changes to tickets they watch.
// Notifications are written by a reactor on the change pipeline, in the
// transaction of the change, and read only by their recipient.
package notify

import (
	"context"
	"fmt"
	"slices"

	"helpdesk/ent"
	"helpdesk/ent/comment"
	"helpdesk/ent/notification"
	"helpdesk/ent/ticket"
	"helpdesk/ent/ticketevent"
	"helpdesk/internal/auth"
	"helpdesk/internal/authz"
	"helpdesk/internal/events"
	"helpdesk/internal/gid"
)

// Reactor writes the notifications of each change: MENTIONED to the
// agents a comment mentions, ASSIGNED to an agent a ticket is given to,
// WATCHED_TICKET_UPDATED to the watchers of a ticket that is commented on
// or changes status. The agent who made the change is never notified, an
// agent gets at most one notification per change (the first kind in that
// order), and nobody is notified of a ticket they may not read.
type Reactor struct {
	Authz *authz.Enforcer
}

// React implements events.Reactor.
func (r *Reactor) React(ctx context.Context, tx *events.Tx, c events.Change) error {
	ctx = auth.WithViewer(ctx, auth.System)
	recipients, err := r.recipients(ctx, tx, c)
	if err != nil || len(recipients) == 0 {
		return err
	}
	t, err := tx.LoadTicket(ctx, c.TicketID)
	if err != nil {
		return fmt.Errorf("loading ticket %s: %w", c.TicketID, err)
	}
	var creates []func(seq int64) *ent.NotificationCreate
	for _, rc := range recipients {
		ok, err := r.Authz.AgentCanRead(ctx, tx.Client(), rc.agent, t)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		rc := rc
		creates = append(creates, func(seq int64) *ent.NotificationCreate {
			return tx.Notification.Create().
				SetKind(rc.kind).
				SetSequence(seq).
				SetCreatedAt(c.At).
				SetRecipientID(rc.agent).
				SetTicketID(c.TicketID).
				SetNillableCommentID(c.CommentID).
				SetNillableActorID(c.ActorID)
		})
	}
	if len(creates) == 0 {
		return nil
	}
	return tx.OnEvent(func(ctx context.Context, ev *ent.TicketEvent) error {
		bulk := make([]*ent.NotificationCreate, len(creates))
		for i, create := range creates {
			bulk[i] = create(ev.Sequence)
		}
		if err := tx.Notification.CreateBulk(bulk...).Exec(ctx); err != nil {
			return fmt.Errorf("writing notifications: %w", err)
		}
		return nil
	})
}

type recipient struct {
	agent gid.ID
	kind  notification.Kind
}

// recipients lists who is to be told of c, before the read check.
func (r *Reactor) recipients(ctx context.Context, tx *events.Tx, c events.Change) ([]recipient, error) {
	var out []recipient
	add := func(kind notification.Kind, ids ...gid.ID) {
		for _, id := range ids {
			if c.ActorID != nil && *c.ActorID == id ||
				slices.ContainsFunc(out, func(r recipient) bool { return r.agent == id }) {
				continue
			}
			out = append(out, recipient{agent: id, kind: kind})
		}
	}
	if c.Kind == ticketevent.KindCOMMENTED && c.CommentID != nil {
		mentioned, err := tx.Comment.Query().Where(comment.ID(*c.CommentID)).QueryMentions().IDs(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading the comment's mentions: %w", err)
		}
		add(notification.KindMENTIONED, mentioned...)
	}
	for _, fc := range c.Changes {
		if fc.Field == "assignee" && fc.To != nil {
			add(notification.KindASSIGNED, gid.ID(*fc.To))
		}
	}
	if c.Kind == ticketevent.KindCOMMENTED || c.Kind == ticketevent.KindSTATUS_CHANGED {
		watchers, err := tx.Ticket.Query().Where(ticket.ID(c.TicketID)).QueryWatchers().IDs(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading the ticket's watchers: %w", err)
		}
		add(notification.KindWATCHED_TICKET_UPDATED, watchers...)
	}
	return out, nil
}
