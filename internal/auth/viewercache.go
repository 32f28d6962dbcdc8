package auth

import (
	"context"
	"sync"
	"time"

	"helpdesk/ent"
)

// DefaultViewerCacheTTL is how long an authenticated agent's viewer is
// reused without reading the database again, unless told otherwise.
const DefaultViewerCacheTTL = time.Second

// maxCachedViewers bounds the cache; when it is full it starts afresh.
const maxCachedViewers = 10_000

// CacheViewers lets Authenticate reuse an agent's viewer for up to ttl
// instead of reading the agent and its teams on every request. Every
// change to an agent or a team membership made through client empties
// the cache, before the write and again after its transaction commits,
// so on this process a deactivation, a role or team change or a sign-out
// everywhere applies to the very next request. Another process on the
// same database sees such a change within ttl. A ttl of zero or less
// leaves the cache off.
func (s *Service) CacheViewers(client *ent.Client, ttl time.Duration) {
	if ttl <= 0 {
		return
	}
	s.viewers.enable(ttl)
	client.Agent.Use(s.viewers.invalidateOnWrite)
	client.TeamMembership.Use(s.viewers.invalidateOnWrite)
}

// viewerCache holds recently authenticated agents' viewers, keyed by the
// verified token identity (agent and token generation). Its zero value
// is off.
type viewerCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	epoch   uint64
	entries map[Identity]cachedViewer
}

type cachedViewer struct {
	viewer Viewer
	epoch  uint64
	at     time.Time
}

func (c *viewerCache) enable(ttl time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ttl = ttl
	c.entries = map[Identity]cachedViewer{}
}

// get returns the cached viewer of id if it is fresh and no write has
// happened since it was read.
func (c *viewerCache) get(id Identity, now time.Time) (Viewer, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	if !ok || e.epoch != c.epoch || now.Sub(e.at) >= c.ttl || now.Before(e.at) {
		return Viewer{}, false
	}
	return e.viewer, true
}

// currentEpoch is read before the database is: an entry read while a
// write commits carries the older epoch and is never served.
func (c *viewerCache) currentEpoch() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.epoch
}

func (c *viewerCache) put(id Identity, v Viewer, epoch uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || epoch != c.epoch {
		return
	}
	if len(c.entries) >= maxCachedViewers {
		clear(c.entries)
	}
	c.entries[id] = cachedViewer{viewer: v, epoch: epoch, at: now}
}

func (c *viewerCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	clear(c.entries)
}

// invalidateOnWrite is the hook that empties the cache around a write to
// agents or memberships, and once more when its transaction commits.
func (c *viewerCache) invalidateOnWrite(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
		c.invalidate()
		v, err := next.Mutate(ctx, m)
		c.invalidate()
		if txm, ok := m.(interface{ Tx() (*ent.Tx, error) }); ok {
			if tx, terr := txm.Tx(); terr == nil {
				tx.OnCommit(func(commit ent.Committer) ent.Committer {
					return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
						err := commit.Commit(ctx, tx)
						c.invalidate()
						return err
					})
				})
			}
		}
		return v, err
	})
}
