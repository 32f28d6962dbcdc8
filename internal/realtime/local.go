package realtime

import (
	"context"
	"fmt"

	"helpdesk/ent"
)

// Local is the in-process bus: the pipeline's batches, published in
// sequence order after commit, go straight to this process's subscribers.
// It serves SQLite, and PostgreSQL when one process alone writes.
type Local struct{ *hub }

// NewLocal returns an in-process bus positioned after the newest event
// of the log in client.
func NewLocal(ctx context.Context, client *ent.Client) (*Local, error) {
	last, err := LastSequence(ctx, client)
	if err != nil {
		return nil, fmt.Errorf("reading the event log's position: %w", err)
	}
	h := newHub()
	h.last = last
	return &Local{hub: h}, nil
}

// Start implements Bus; the in-process bus needs no starting.
func (l *Local) Start(context.Context) error { return nil }

// Publish implements events.Publisher.
func (l *Local) Publish(_ context.Context, evs []*ent.TicketEvent) { l.deliver(evs) }

// Close ends every subscription.
func (l *Local) Close() { l.closeAll() }
