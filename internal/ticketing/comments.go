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
	"helpdesk/internal/input"
	"helpdesk/internal/workflow"
)

const maxCommentBody = 65_000

// AddComment adds an agent's comment to a ticket. The first PUBLIC reply by
// an agent is the ticket's first response. An agent's comment mentions the
// agents in MentionIDs and those its body names by @handle (see
// notify.Handle); a mentioned agent who cannot read the ticket is made a
// watcher when the author may change the ticket, and otherwise the
// comment is refused. The ticket's version is bumped
// and a COMMENTED event recorded, so live views see the new comment.
func (s *Service) AddComment(ctx context.Context, in AddCommentInput) (*ent.Comment, error) {
	viewer, err := authz.Viewer(ctx)
	if err != nil {
		return nil, err
	}
	body, err := input.Text("input.body", in.Body, maxCommentBody)
	if err != nil {
		return nil, err
	}
	if err := input.Items("input.mentionIDs", len(in.MentionIDs), maxMentions); err != nil {
		return nil, err
	}
	visibility := in.Visibility
	if visibility == "" {
		visibility = comment.VisibilityPUBLIC
	}
	if err := comment.VisibilityValidator(visibility); err != nil {
		return nil, apperr.Invalid("input.visibility", "%q is not a valid visibility", in.Visibility)
	}
	if viewer.IsCustomer() {
		if visibility != comment.VisibilityPUBLIC || len(in.MentionIDs) > 0 {
			return nil, apperr.Forbidden("a customer writes public replies only, without mentions")
		}
		return s.addCustomerReply(ctx, viewer.CustomerID, in.TicketID, body)
	}
	return s.addComment(ctx, viewer, in.TicketID, body, visibility, in.MentionIDs, nil)
}

// addCustomerReply adds a public comment written by the ticket's customer.
// A reply to a RESOLVED ticket reopens it.
func (s *Service) addCustomerReply(ctx context.Context, customerID, ticketID gid.ID, body string) (*ent.Comment, error) {
	body, err := input.Text("input.body", body, maxCommentBody)
	if err != nil {
		return nil, err
	}
	return s.addComment(ctx, auth.Viewer{Name: "customer"}, ticketID, body, comment.VisibilityPUBLIC, nil, &customerID)
}

func (s *Service) addComment(ctx context.Context, viewer auth.Viewer, ticketID gid.ID, body string,
	visibility comment.Visibility, mentionIDs []gid.ID, customerID *gid.ID) (*ent.Comment, error) {
	if customerID != nil {
		// The customer's token reads no internal rows, and the comment
		// needs some (the ticket's version); its own ticket is checked
		// below, by its customer.
		ctx = auth.WithViewer(ctx, auth.System)
	}
	var created *ent.Comment
	err := s.withTx(ctx, func(etx *events.Tx) error {
		tx := etx.Tx
		now := s.now()
		t, err := s.lockTicket(tx.Ticket.Query().Where(ticket.ID(ticketID))).Only(ctx)
		if ent.IsNotFound(err) {
			return apperr.NotFound("no ticket with id %q", ticketID)
		}
		if err != nil {
			return fmt.Errorf("loading ticket: %w", err)
		}
		if customerID != nil && (t.CustomerID == nil || *t.CustomerID != *customerID || t.Internal) {
			return apperr.NotFound("no ticket with id %q", ticketID)
		}
		if workflow.IsFinal(t.Status) {
			if customerID == nil {
				if _, err := s.authorize(ctx, tx, viewer, t, authz.ActComment); err != nil {
					return err
				}
				return apperr.Conflict("ticket #%d is %s and takes no more comments; open a new ticket (a customer who writes is given a follow-up ticket)", t.Number, t.Status)
			}
			// A customer writing after the ticket ended opens a follow-up
			// that carries their message.
			if t, err = s.openFollowUp(ctx, etx, t); err != nil {
				return err
			}
		}
		var plan mentionPlan
		if customerID == nil {
			res, err := s.authorize(ctx, tx, viewer, t, authz.ActComment)
			if err != nil {
				return err
			}
			if plan, err = s.planMentions(ctx, tx, viewer, t, res, body, mentionIDs); err != nil {
				return err
			}
		}
		created, err = tx.Comment.Create().
			SetBody(body).
			SetVisibility(visibility).
			SetTicketID(t.ID).
			SetNillableAuthorAgentID(viewer.ActorID()).
			SetNillableAuthorCustomerID(customerID).
			AddMentionIDs(plan.mentions...).
			SetCreatedAt(now).
			SetUpdatedAt(now).
			Save(ctx)
		if err != nil {
			return fmt.Errorf("creating comment: %w", err)
		}

		upd := tx.Ticket.UpdateOneID(t.ID).Where(ticket.Version(t.Version)).
			SetVersion(t.Version + 1).SetUpdatedAt(now)
		var ch changeSet
		ch.add("comment", nil, strPtr(string(created.ID)))
		if viewer.IsAgent() && visibility == comment.VisibilityPUBLIC && t.FirstRespondedAt == nil {
			upd.SetFirstRespondedAt(now).SetFirstResponseSeconds(secondsSince(t.CreatedAt, now))
			ch.addTime("firstRespondedAt", nil, &now)
		}
		if err := plan.addWatchers(ctx, tx, t, upd, &ch); err != nil {
			return err
		}
		if customerID != nil && t.Status == ticket.StatusRESOLVED {
			reopened := ticket.StatusUNASSIGNED
			if t.AssigneeID != nil {
				reopened = ticket.StatusOPEN
			}
			changeStatus(t, reopened, upd, &ch, now)
		}
		if _, err := upd.Save(ctx); err != nil {
			if ent.IsNotFound(err) {
				return apperr.Conflict("ticket #%d was changed by someone else meanwhile; try again", t.Number)
			}
			return fmt.Errorf("updating ticket #%d: %w", t.Number, err)
		}
		return etx.Record(ctx, change(viewer, t.ID, ticketevent.KindCOMMENTED, ch, &created.ID, now))
	})
	if err != nil {
		return nil, err
	}
	return created.Unwrap(), nil
}

// openFollowUp opens, for the customer of a CLOSED or CANCELLED ticket,
// a new ticket continuing it: same customer, channel, category, team and
// priority, linked to it by followUpOf. It returns the new ticket as the
// reactors left it (the team's strategy may have assigned it).
func (s *Service) openFollowUp(ctx context.Context, etx *events.Tx, old *ent.Ticket) (*ent.Ticket, error) {
	title := []rune("Follow-up: " + old.Title)
	if len(title) > maxTitle {
		title = title[:maxTitle]
	}
	priority := old.Priority
	in := CreateTicketInput{Channel: old.Channel, CustomerID: old.CustomerID, CategoryID: old.CategoryID,
		TeamID: old.TeamID, Priority: &priority}
	created, err := s.createTicket(ctx, etx, auth.Viewer{Name: "customer"}, in, newTicket{
		title: string(title), custom: map[string]any{}, followUpOf: &old.ID,
	})
	if err != nil {
		return nil, err
	}
	t, err := etx.Ticket.Get(ctx, created.ID)
	if err != nil {
		return nil, fmt.Errorf("loading the follow-up ticket: %w", err)
	}
	return t, nil
}

// secondsSince is the whole seconds from since to now, never negative.
func secondsSince(since, now time.Time) int {
	return max(0, int(now.Sub(since)/time.Second))
}
