package presence

import (
	"context"
	"fmt"

	"helpdesk/ent"
	"helpdesk/ent/agent"
	"helpdesk/ent/ticket"
	"helpdesk/internal/apperr"
	"helpdesk/internal/auth"
	"helpdesk/internal/gid"
)

// Service is presence as the API offers it: only agents who may read a
// ticket set or watch its presence.
type Service struct {
	Client *ent.Client
	Hub    *Hub
}

// Set records the viewer's presence on a ticket. Over a socket (see
// WithConnection) the entry also ends when the socket closes.
func (s *Service) Set(ctx context.Context, ticketID gid.ID, state State) error {
	v, err := s.check(ctx, ticketID)
	if err != nil {
		return err
	}
	if !state.Valid() {
		return apperr.Invalid("state", "must be VIEWING, TYPING or LEFT")
	}
	s.Hub.Set(ticketID, v.AgentID, state, ConnectionFrom(ctx))
	return nil
}

// Watch returns the ticket's presence list now and after every change,
// until ctx ends; the channel then closes. The list holds the agents the
// viewer may see, loaded once per subscription. When the ticket becomes
// invisible to the viewer the stream ends with end's error.
func (s *Service) Watch(ctx context.Context, ticketID gid.ID, end func(error)) (<-chan []*Entry, error) {
	if _, err := s.check(ctx, ticketID); err != nil {
		return nil, err
	}
	w := s.Hub.Watch(ticketID)
	out := make(chan []*Entry)
	go func() {
		defer close(out)
		defer w.Close()
		agents := map[gid.ID]*ent.Agent{}
		first := true
		for {
			var list []Entry
			select {
			case <-ctx.Done():
				return
			case l, ok := <-w.C:
				if !ok {
					return
				}
				list = l
			}
			if !first {
				// The ticket may have moved out of the viewer's sight.
				if err := s.visible(ctx, ticketID); err != nil {
					if ctx.Err() == nil {
						end(err)
					}
					return
				}
			}
			first = false
			entries, err := s.withAgents(ctx, list, agents)
			if err != nil {
				if ctx.Err() == nil {
					end(err)
				}
				return
			}
			select {
			case out <- entries:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// check lets agents who may read the ticket through.
func (s *Service) check(ctx context.Context, ticketID gid.ID) (auth.Viewer, error) {
	v, _ := auth.ViewerFrom(ctx)
	if !v.IsAgent() || v.IsCustomer() || v.IsIntegration() {
		return v, apperr.Forbidden("presence is for agents")
	}
	if !ticketID.Valid(gid.Ticket) {
		return v, apperr.Invalid("ticketID", "is not a ticket id")
	}
	return v, s.visible(ctx, ticketID)
}

// visible loads the ticket with the viewer's read scope.
func (s *Service) visible(ctx context.Context, ticketID gid.ID) error {
	ok, err := s.Client.Ticket.Query().Where(ticket.ID(ticketID)).Exist(ctx)
	if err != nil {
		return fmt.Errorf("loading ticket %s: %w", ticketID, err)
	}
	if !ok {
		return apperr.NotFound("no ticket %s", ticketID)
	}
	return nil
}

// withAgents fills in the entries' agents, loading those not in cache
// with the viewer's scope; entries of agents the viewer cannot see are
// left out.
func (s *Service) withAgents(ctx context.Context, list []Entry, cache map[gid.ID]*ent.Agent) ([]*Entry, error) {
	var missing []gid.ID
	for _, e := range list {
		if _, ok := cache[e.AgentID]; !ok {
			missing = append(missing, e.AgentID)
		}
	}
	if len(missing) > 0 {
		found, err := s.Client.Agent.Query().Where(agent.IDIn(missing...)).All(ctx)
		if err != nil {
			return nil, fmt.Errorf("loading agents: %w", err)
		}
		for _, id := range missing {
			cache[id] = nil
		}
		for _, a := range found {
			cache[a.ID] = a
		}
	}
	out := make([]*Entry, 0, len(list))
	for _, e := range list {
		if a := cache[e.AgentID]; a != nil {
			e.Agent = a
			out = append(out, &e)
		}
	}
	return out, nil
}
