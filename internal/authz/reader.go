package authz

import (
	"context"
	"fmt"
	"sync"

	"helpdesk/ent"
	"helpdesk/ent/agent"
	"helpdesk/ent/teammembership"
	"helpdesk/internal/auth"
	"helpdesk/internal/gid"
)

// AgentViewer returns the viewer an agent is when logged in (role and
// teams), read through client (a transaction's client reads its own
// writes). ok is false for an unknown or deactivated agent.
func AgentViewer(ctx context.Context, client *ent.Client, agentID gid.ID) (v auth.Viewer, ok bool, err error) {
	ctx = system(ctx)
	a, err := client.Agent.Query().Where(agent.ID(agentID), agent.Active(true)).Only(ctx)
	if ent.IsNotFound(err) {
		return v, false, nil
	}
	if err != nil {
		return v, false, fmt.Errorf("loading agent %s: %w", agentID, err)
	}
	teams, err := client.TeamMembership.Query().Where(teammembership.AgentID(agentID)).
		Select(teammembership.FieldTeamID).Strings(ctx)
	if err != nil {
		return v, false, fmt.Errorf("loading the teams of agent %s: %w", agentID, err)
	}
	v = auth.Viewer{AgentID: a.ID, Name: a.Name, Role: a.Role}
	for _, t := range teams {
		v.TeamIDs = append(v.TeamIDs, gid.ID(t))
	}
	return v, true, nil
}

// AgentCanRead reports whether an active agent may read the ticket, as
// the ticket now stands in client's view.
func (en *Enforcer) AgentCanRead(ctx context.Context, client *ent.Client, agentID gid.ID, t *ent.Ticket) (bool, error) {
	cache := readCacheFrom(ctx)
	v, ok, err := cache.viewer(ctx, client, agentID)
	if err != nil || !ok {
		return false, err
	}
	// Whether the agent watches the ticket or is mentioned in it takes a
	// query each: they are asked only when the answer depends on them
	// (the ticket's assignee, say, reads it whatever they are).
	dom, res := TicketDomain(t), baseTicketResource(v, t)
	answers, known := cache.answers(agentID, dom, res)
	if !known {
		for i := range answers {
			res.Watching, res.Mentioned = i&1 != 0, i&2 != 0
			if answers[i], err = en.Can(v, ActRead, dom, res); err != nil {
				return false, err
			}
		}
		res.Watching, res.Mentioned = false, false
		cache.keep(agentID, dom, res, answers)
	}
	if answers == [4]bool{} || answers == [4]bool{true, true, true, true} {
		return answers[0], nil
	}
	if res, err = TicketResource(ctx, client, v, t); err != nil {
		return false, err
	}
	// TicketResource is the base resource with Watching and Mentioned
	// set: one of the four answered above.
	i := 0
	if res.Watching {
		i |= 1
	}
	if res.Mentioned {
		i |= 2
	}
	return answers[i], nil
}

// readCache holds, for the work of one context (see CacheReads), the
// viewers AgentCanRead read and the policy's answers it got.
type readCache struct {
	mu      sync.Mutex
	viewers map[gid.ID]cachedViewer
	decided map[readKey][4]bool
}

type cachedViewer struct {
	v  auth.Viewer
	ok bool
}

// readKey is what the policy's answers depend on, the viewer being fixed
// by the agent (the resource without Watching and Mentioned).
type readKey struct {
	agent gid.ID
	dom   string
	res   Resource
}

type readCacheKey struct{}

// CacheReads returns ctx under which AgentCanRead reads each agent (its
// role and teams) once, and asks the policy once per kind of ticket an
// agent is checked against, instead of every time. It is for a batch of
// changes during which no agent, team membership or policy rule changes:
// the demo loader replaying its tickets' history.
func CacheReads(ctx context.Context) context.Context {
	return context.WithValue(ctx, readCacheKey{}, &readCache{
		viewers: map[gid.ID]cachedViewer{}, decided: map[readKey][4]bool{},
	})
}

func readCacheFrom(ctx context.Context) *readCache {
	c, _ := ctx.Value(readCacheKey{}).(*readCache)
	return c
}

// viewer is AgentViewer, read once per agent with a cache (always read
// without one).
func (c *readCache) viewer(ctx context.Context, client *ent.Client, agentID gid.ID) (auth.Viewer, bool, error) {
	if c == nil {
		return AgentViewer(ctx, client, agentID)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if cv, ok := c.viewers[agentID]; ok {
		return cv.v, cv.ok, nil
	}
	v, ok, err := AgentViewer(ctx, client, agentID)
	if err != nil {
		return v, ok, err
	}
	c.viewers[agentID] = cachedViewer{v: v, ok: ok}
	return v, ok, nil
}

// answers returns the answers kept for the agent on res in dom, if any.
func (c *readCache) answers(agentID gid.ID, dom string, res Resource) ([4]bool, bool) {
	if c == nil {
		return [4]bool{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.decided[readKey{agent: agentID, dom: dom, res: res}]
	return a, ok
}

// keep keeps the answers (nothing without a cache).
func (c *readCache) keep(agentID gid.ID, dom string, res Resource, answers [4]bool) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.decided[readKey{agent: agentID, dom: dom, res: res}] = answers
}
