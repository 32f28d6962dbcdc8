package demo

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"helpdesk/ent/schematype"
	"helpdesk/ent/ticket"
	"helpdesk/internal/auth"
	"helpdesk/internal/ticketing"
)

// DefaultTicketCount is how many tickets the demo history has unless
// Services.TicketCount says otherwise.
const DefaultTicketCount = 1000

const (
	minute = time.Minute
	hour   = time.Hour
	day    = 24 * time.Hour
)

// loadTickets plans every ticket's story first, so the seed alone decides
// the data, then replays all stories in time order.
func (l *loader) loadTickets(ctx context.Context) error {
	n := l.ticketCount
	if n <= 0 {
		n = DefaultTicketCount
	}
	stories := make([]*story, 0, n)
	for i := range n {
		s := l.plan(i + 1)
		if s.err != nil {
			return s.err
		}
		stories = append(stories, s)
	}
	return l.replay(ctx, stories)
}

// plan makes up one ticket: what it is about, who asked, and how far it
// got. Old tickets are mostly resolved or closed; recent ones are still
// being worked.
func (l *loader) plan(n int) *story {
	r := l.rng
	s := &story{l: l, n: n, created: l.createdTime()}
	channel := choose(l, map[ticket.Channel]int{
		ticket.ChannelEMAIL: 30, ticket.ChannelCHAT: 18, ticket.ChannelPHONE: 12, ticket.ChannelFACEBOOK: 15,
		ticket.ChannelWEB: 12, ticket.ChannelAPI: 7, ticket.ChannelINTERNAL: 6,
	})
	s.internal = channel == ticket.ChannelINTERNAL
	if !s.internal {
		s.customer = l.pickCustomer(channel)
	}
	if r.IntN(100) < 92 {
		s.category = l.categories[r.IntN(len(l.categories))]
	}
	s.topic = topicOf(s.category)
	s.title = l.pickTitle(s)
	s.vi = isVietnamese(s.title)
	if s.th = isThai(s.title); s.th {
		s.topic = topics[""] // the general topic speaks Thai
	}
	if strings.Contains(s.title, "{order}") || (s.category != nil && s.category.aboutOrders() && r.IntN(100) < 60) {
		s.order = fmt.Sprintf("DH%07d", 2400000+r.IntN(600000))
	}
	s.title = strings.ReplaceAll(s.title, "{order}", s.order)

	in := l.ticketInput(s, channel)

	age := l.now.Sub(s.created)
	target := l.pickStatus(age)
	queued := target == ticket.StatusUNASSIGNED || (target == ticket.StatusCANCELLED && r.IntN(2) == 0)
	creator := auth.System
	if !queued {
		s.assignee = s.team.pickMember(l)
	}
	if channel == ticket.ChannelPHONE || s.internal {
		// An agent took the call or wrote the ticket, and often keeps it.
		taker := s.team.pickMember(l)
		creator = taker.viewer
		if s.assignee != nil && r.IntN(100) < 70 {
			s.assignee = taker
		}
	}
	assignAtCreation := s.assignee != nil && r.IntN(100) < 88
	if assignAtCreation {
		in.AssigneeID = &s.assignee.id
	}
	s.create(creator, in)
	if s.assignee != nil && !assignAtCreation {
		s.agentWait(5*minute, 8*hour)
		by := s.assignee.viewer // the agent claims it …
		if r.IntN(2) == 0 {
			m := l.managers()
			by = m[r.IntN(len(m))].viewer // … or a manager hands it out.
		}
		s.assign(by, s.assignee)
	}
	if s.assignee != nil && r.IntN(100) < 5 {
		l.plotDetour(s)
	}
	l.plotStatus(s, target)
	return s
}

// ticketInput describes the ticket as its creator types it in, and notes
// in s the team and priority the service will give it.
func (l *loader) ticketInput(s *story, channel ticket.Channel) ticketing.CreateTicketInput {
	r := l.rng
	in := ticketing.CreateTicketInput{
		Title:    s.title,
		Channel:  channel,
		Internal: ptr(s.internal),
	}
	switch {
	case s.internal:
		in.Description = ptr(s.write(phrases{en: internalDescriptions}, nil))
	case channel == ticket.ChannelPHONE:
		in.Description = ptr(s.write(phoneDescriptions, nil))
	default:
		in.Description = ptr(s.write(descriptions, nil))
	}
	if s.order != "" && !strings.Contains(s.title, s.order) {
		*in.Description += "\n\nOrder: " + s.order
	}
	if s.customer != nil {
		in.CustomerID = &s.customer.id
	}
	if s.category != nil {
		in.CategoryID = &s.category.id
	}
	if s.order != "" {
		in.OrderReference = ptr(s.order)
	}
	s.team = l.routedTeam(s.category)
	if s.internal || r.IntN(100) < 7 {
		s.team = l.teams[r.IntN(len(l.teams))]
		in.TeamID = &s.team.id
	}
	s.priority = l.nearestPriority(s.category)
	if r.IntN(100) < 55 {
		s.priority = choose(l, map[schematype.Priority]int{
			schematype.PriorityUrgent: 8, schematype.PriorityHigh: 22, schematype.PriorityMedium: 45, schematype.PriorityLow: 25,
		})
		in.Priority = ptr(s.priority)
	}
	in.Tags = l.pickTags(s, channel)
	if r.IntN(100) < 4 {
		managers := l.managers()
		in.WatcherIDs = append(in.WatcherIDs, managers[r.IntN(len(managers))].id)
	}
	switch channel {
	case ticket.ChannelAPI:
		in.CustomFields = map[string]any{"source": "erp-sync", "externalRef": fmt.Sprintf("ERP-%06d", r.IntN(1000000))}
	case ticket.ChannelWEB:
		in.CustomFields = map[string]any{"page": "/help/contact"}
	}
	return in
}

// plotDetour adds a change in the middle of a ticket's life: a raised
// priority or a hand-over to a colleague.
func (l *loader) plotDetour(s *story) {
	s.agentWait(10*minute, 4*hour)
	if s.priority != schematype.PriorityUrgent && l.rng.IntN(100) < 60 {
		s.priority = schematype.Priority(s.priority.Values()[s.priority.Rank()-2])
		s.note(s.assignee, priorityNotes[l.rng.IntN(len(priorityNotes))])
		s.wait(minute, 3*minute)
		s.update(s.assignee.viewer, "raise priority", ticketing.UpdateTicketInput{
			Priority: ptr(s.priority), AddTags: []string{"escalated"},
		})
		return
	}
	next := s.team.otherMember(l, s.assignee)
	s.note(s.assignee, strings.ReplaceAll(transferNotes[l.rng.IntN(len(transferNotes))], "{agent}", next.firstName()))
	s.wait(minute, 3*minute)
	s.update(s.assignee.viewer, "transfer", ticketing.UpdateTicketInput{AssigneeID: &next.id})
	s.assignee = next
}

// plotStatus adds the steps that take the ticket to its final status,
// with the conversation along the way. Each step is a transaction, so the
// stories take the shortest legal paths and comment on most tickets but
// not all: loading must stay well within the server's start-up budget.
func (l *loader) plotStatus(s *story, target ticket.Status) {
	r := l.rng
	a := s.assignee
	switch target {
	case ticket.StatusUNASSIGNED:
		if r.IntN(100) < 35 {
			s.wait(2*hour, 2*day)
			s.customerReply(customerFollowUps)
		}
	case ticket.StatusOPEN:
		if r.IntN(100) < 55 {
			s.agentWait(5*minute, 3*hour)
			s.reply(a, acknowledgements)
		}
	case ticket.StatusIN_PROGRESS:
		s.agentWait(5*minute, 3*hour)
		s.move(a.viewer, ticket.StatusIN_PROGRESS)
		if r.IntN(100) < 20 {
			s.agentWait(5*minute, hour)
			s.askColleague(a)
		}
		if r.IntN(100) < 80 {
			s.agentWait(10*minute, 4*hour)
			s.reply(a, s.topic.answers)
		}
		if r.IntN(100) < 15 {
			s.wait(30*minute, day)
			s.customerReply(s.topic.details)
		}
	case ticket.StatusWAITING:
		if r.IntN(100) < 25 {
			s.agentWait(5*minute, 3*hour)
			s.move(a.viewer, ticket.StatusIN_PROGRESS)
		}
		s.agentWait(10*minute, 4*hour)
		s.reply(a, s.topic.questions)
		s.wait(minute, 5*minute)
		s.move(a.viewer, ticket.StatusWAITING)
	case ticket.StatusRESOLVED, ticket.StatusCLOSED:
		l.plotResolution(s)
		if target == ticket.StatusCLOSED {
			if r.IntN(100) < 3 {
				l.plotReopen(s)
			}
			s.wait(day, 4*day)
			by := auth.System // closed after a few quiet days …
			if r.IntN(100) < 30 {
				by = s.assignee.viewer // … or by the agent.
			}
			s.move(by, ticket.StatusCLOSED)
		}
	case ticket.StatusCANCELLED:
		if s.assignee == nil {
			m := l.managers()
			manager := m[r.IntN(len(m))]
			if r.IntN(100) < 40 {
				s.agentWait(30*minute, 6*hour)
				s.note(manager, queueNotes[r.IntN(len(queueNotes))])
			}
			s.wait(minute, 5*minute)
			s.move(manager.viewer, ticket.StatusCANCELLED)
			return
		}
		if r.IntN(100) < 50 {
			s.wait(20*minute, 6*hour)
			s.customerReply(customerCancels)
		}
		s.agentWait(10*minute, 2*hour)
		s.move(a.viewer, ticket.StatusCANCELLED)
	}
}

// plotResolution works an assigned ticket to RESOLVED: mostly straight
// from OPEN with one answer, sometimes by way of IN_PROGRESS or of waiting
// for the customer, and sometimes without a written reply at all (solved
// on the phone, or fixed before anyone wrote back).
func (l *loader) plotResolution(s *story) {
	r := l.rng
	a := s.assignee
	if r.IntN(100) < 10 {
		s.agentWait(5*minute, 3*hour)
		s.move(a.viewer, ticket.StatusIN_PROGRESS)
	}
	s.agentWait(10*minute, 5*hour)
	switch n := r.IntN(100); {
	case n < 8 && s.customer != nil:
		s.reply(a, s.topic.questions)
		s.wait(minute, 5*minute)
		s.move(a.viewer, ticket.StatusWAITING)
		s.wait(hour, 2*day)
		s.customerReply(s.topic.details)
		s.agentWait(30*minute, day)
		s.reply(a, s.topic.solutions)
	case n < 72:
		s.reply(a, s.topic.solutions)
		if r.IntN(100) < 10 {
			s.wait(hour, day)
			s.customerReply(customerThanks)
		}
	}
	switch n := r.IntN(100); {
	case n < 3:
		s.agentWait(10*minute, 2*hour)
		s.note(a, internalNotes[r.IntN(len(internalNotes))])
	case n < 9:
		s.agentWait(10*minute, 2*hour)
		s.askColleague(a)
	}
	s.agentWait(10*minute, day)
	s.move(a.viewer, ticket.StatusRESOLVED)
}

// plotReopen has the customer answer a resolved ticket, which reopens it,
// and the agent solve it again.
func (l *loader) plotReopen(s *story) {
	if s.customer == nil {
		return
	}
	a := s.assignee
	s.wait(2*hour, 2*day)
	s.customerReply(customerStillBroken)
	s.agentWait(hour, day)
	s.reply(a, s.topic.solutions)
	s.agentWait(10*minute, 2*hour)
	s.move(a.viewer, ticket.StatusRESOLVED)
}

// pickStatus chooses how far a ticket of this age has got.
func (l *loader) pickStatus(age time.Duration) ticket.Status {
	switch {
	case age < 2*day:
		return choose(l, map[ticket.Status]int{
			ticket.StatusUNASSIGNED: 25, ticket.StatusOPEN: 22, ticket.StatusIN_PROGRESS: 22,
			ticket.StatusWAITING: 15, ticket.StatusRESOLVED: 10, ticket.StatusCANCELLED: 6,
		})
	case age < 10*day:
		return choose(l, map[ticket.Status]int{
			ticket.StatusUNASSIGNED: 6, ticket.StatusOPEN: 8, ticket.StatusIN_PROGRESS: 12,
			ticket.StatusWAITING: 14, ticket.StatusRESOLVED: 40, ticket.StatusCLOSED: 12, ticket.StatusCANCELLED: 8,
		})
	default:
		return choose(l, map[ticket.Status]int{
			ticket.StatusUNASSIGNED: 3, ticket.StatusOPEN: 4, ticket.StatusIN_PROGRESS: 4,
			ticket.StatusWAITING: 5, ticket.StatusRESOLVED: 52, ticket.StatusCLOSED: 24, ticket.StatusCANCELLED: 8,
		})
	}
}

// pickCustomer chooses who wrote in: on Facebook and chat someone with an
// id there; a few customers write far more often than the rest.
func (l *loader) pickCustomer(channel ticket.Channel) *demoCustomer {
	pool := l.customers
	var filtered []*demoCustomer
	for _, c := range l.customers {
		if (channel == ticket.ChannelFACEBOOK && c.facebook) || (channel == ticket.ChannelCHAT && c.chat) {
			filtered = append(filtered, c)
		}
	}
	if len(filtered) > 0 && (channel == ticket.ChannelFACEBOOK || l.rng.IntN(100) < 70) {
		pool = filtered
	}
	return pool[int(float64(len(pool))*math.Pow(l.rng.Float64(), 1.8))]
}

// pickTitle chooses a title suiting the category and, for customers who
// write in Vietnamese, usually in Vietnamese; Thai-speaking customers
// mostly write in Thai.
func (l *loader) pickTitle(s *story) string {
	titles := uncategorizedTitles
	switch {
	case s.customer != nil && s.customer.th && l.rng.IntN(100) < 80:
		return thaiTitles[l.rng.IntN(len(thaiTitles))]
	case s.internal:
		titles = internalTitles
	case s.category != nil:
		titles = s.category.spec.titles
	}
	var vi, en []string
	for _, t := range titles {
		if isVietnamese(t) {
			vi = append(vi, t)
		} else {
			en = append(en, t)
		}
	}
	pool := en
	if len(vi) > 0 && (len(en) == 0 || (s.customer != nil && s.customer.vi && l.rng.IntN(100) < 65)) {
		pool = vi
	}
	return pool[l.rng.IntN(len(pool))]
}

// pickTags gives about half the tickets a tag or two from their category
// and channel.
func (l *loader) pickTags(s *story, channel ticket.Channel) []string {
	var pool []string
	if s.category != nil {
		pool = s.category.tagPool()
	}
	if channel == ticket.ChannelFACEBOOK {
		pool = append(pool, "social")
	}
	if len(pool) == 0 || l.rng.IntN(100) < 45 {
		return nil
	}
	tags := []string{pool[l.rng.IntN(len(pool))]}
	if l.rng.IntN(100) < 35 {
		tags = append(tags, pool[l.rng.IntN(len(pool))])
	}
	return tags
}

// nearestPriority is the priority the service gives a ticket in c when
// none is given: the nearest category's default, else MEDIUM.
func (l *loader) nearestPriority(c *demoCategory) schematype.Priority {
	for ; c != nil; c = c.parent {
		if c.spec.priority != "" {
			return c.spec.priority
		}
	}
	return schematype.PriorityMedium
}
