package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"helpdesk/ent/comment"
	"helpdesk/ent/schematype"
	"helpdesk/ent/ticket"
	"helpdesk/internal/auth"
	"helpdesk/internal/gid"
	"helpdesk/internal/ticketing"
	"helpdesk/internal/workflow"
)

// story is the planned life of one ticket: its creation and the changes
// after it, each a step at an offset from the creation. The plan follows
// the status machine (workflow.CanTransition) as it is written, so a
// story that would break a rule is an error before anything is written.
type story struct {
	l        *loader
	n        int // position in the plan, for error messages
	id       gid.ID
	created  time.Time
	title    string
	order    string
	vi       bool // written in Vietnamese
	th       bool // written in Thai
	internal bool
	category *demoCategory
	topic    topic
	customer *demoCustomer
	team     *demoTeam
	assignee *demoAgent
	priority schematype.Priority
	status   ticket.Status
	elapsed  time.Duration // offset of the next step
	steps    []*step
	err      error
}

// step is one write of a story.
type step struct {
	offset time.Duration
	at     time.Time
	story  *story
	what   string
	run    func(ctx context.Context) error
	done   bool
}

func (s *story) add(what string, run func(ctx context.Context) error) {
	s.steps = append(s.steps, &step{offset: s.elapsed, story: s, what: what, run: run})
}

// wait lets between min and max pass before the next step; agents'
// waits are shorter for more urgent tickets.
func (s *story) wait(min, max time.Duration) {
	s.elapsed += s.l.between(min, max)
}

func (s *story) agentWait(min, max time.Duration) {
	f := map[schematype.Priority]float64{
		schematype.PriorityUrgent: 0.25, schematype.PriorityHigh: 0.5,
		schematype.PriorityMedium: 1, schematype.PriorityLow: 1.6,
	}[s.priority]
	s.elapsed += time.Duration(float64(s.l.between(min, max)) * f)
}

func (s *story) fail(format string, args ...any) {
	if s.err == nil {
		s.err = fmt.Errorf("demo ticket %d: "+format, append([]any{s.n}, args...)...)
	}
}

// create opens the ticket as by.
func (s *story) create(by auth.Viewer, in ticketing.CreateTicketInput) {
	s.status = ticket.StatusUNASSIGNED
	if in.AssigneeID != nil {
		s.status = ticket.StatusOPEN
	}
	s.add("create", func(ctx context.Context) error {
		t, err := s.l.tickets.CreateTicket(auth.WithViewer(ctx, by), in)
		if err != nil {
			return err
		}
		s.id = t.ID
		s.l.sum.Tickets++
		return nil
	})
}

// assign gives the ticket to a, which opens an UNASSIGNED ticket.
func (s *story) assign(by auth.Viewer, a *demoAgent) {
	if s.status == ticket.StatusUNASSIGNED {
		if !workflow.CanTransition(s.status, ticket.StatusOPEN) {
			s.fail("cannot assign a %s ticket", s.status)
		}
		s.status = ticket.StatusOPEN
	}
	s.assignee = a
	s.update(by, "assign", ticketing.UpdateTicketInput{AssigneeID: &a.id})
}

// update changes fields of the ticket.
func (s *story) update(by auth.Viewer, what string, in ticketing.UpdateTicketInput) {
	if workflow.IsFinal(s.status) {
		s.fail("cannot %s a %s ticket", what, s.status)
	}
	s.add(what, func(ctx context.Context) error {
		_, err := s.l.tickets.UpdateTicket(auth.WithViewer(ctx, by), s.id, in)
		return err
	})
}

// move changes the ticket's status, if the status machine allows it.
func (s *story) move(by auth.Viewer, to ticket.Status) {
	if !workflow.CanTransition(s.status, to) {
		s.fail("cannot move from %s to %s", s.status, to)
	}
	if s.assignee == nil && (to == ticket.StatusOPEN || to == ticket.StatusIN_PROGRESS || to == ticket.StatusWAITING) {
		s.fail("cannot be %s without an assignee", to)
	}
	s.status = to
	s.add("move to "+string(to), func(ctx context.Context) error {
		_, err := s.l.tickets.SetTicketStatus(auth.WithViewer(ctx, by), s.id, to, nil)
		return err
	})
}

// reply is an agent's public answer; on an internal ticket, a note.
func (s *story) reply(a *demoAgent, p phrases) {
	if s.internal {
		s.note(a, internalNotes[s.l.rng.IntN(len(internalNotes))])
		return
	}
	s.comment(a, s.write(p, a), comment.VisibilityPUBLIC)
}

// note is an internal note for staff.
func (s *story) note(a *demoAgent, body string) {
	s.comment(a, body, comment.VisibilityINTERNAL)
}

// askColleague is an internal note in which a asks a colleague of the
// team (or a manager) for help by @handle, which notifies them.
func (s *story) askColleague(a *demoAgent) {
	colleague := s.team.otherMember(s.l, a)
	for _, m := range s.l.managers() {
		if colleague == a {
			colleague = m
		}
	}
	notes := mentionNotes.en
	if a.vi {
		notes = mentionNotes.vi
	}
	s.note(a, strings.ReplaceAll(notes[s.l.rng.IntN(len(notes))], "{handle}", colleague.key))
}

func (s *story) comment(a *demoAgent, body string, visibility comment.Visibility) {
	s.add("comment", func(ctx context.Context) error {
		_, err := s.l.tickets.AddComment(auth.WithViewer(ctx, a.viewer), ticketing.AddCommentInput{
			TicketID: s.id, Body: body, Visibility: visibility,
		})
		if err == nil {
			s.l.sum.Comments++
		}
		return err
	})
}

// customerReply is the customer writing back; it reopens a RESOLVED
// ticket, as the service does. Internal tickets have no customer.
func (s *story) customerReply(p phrases) {
	if s.customer == nil {
		return
	}
	if s.status == ticket.StatusRESOLVED {
		s.status = ticket.StatusUNASSIGNED
		if s.assignee != nil {
			s.status = ticket.StatusOPEN
		}
	}
	body := s.write(p, nil)
	s.add("customer reply", func(ctx context.Context) error {
		_, err := s.l.tickets.AddComment(auth.WithViewer(ctx, auth.Viewer{Name: "customer", CustomerID: s.customer.id}),
			ticketing.AddCommentInput{TicketID: s.id, Body: body})
		if err == nil {
			s.l.sum.Comments++
		}
		return err
	})
}
