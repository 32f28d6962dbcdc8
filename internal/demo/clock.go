package demo

import (
	"sync"
	"time"
)

// clock is the demo's "now". The services the loader builds read it, and
// the loader sets it before each write, so a write is dated when the demo
// history says it happened.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's current time.
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Advance moves the clock forward by d.
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
