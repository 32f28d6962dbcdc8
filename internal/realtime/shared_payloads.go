package realtime

import (
	"sync"

	"helpdesk/ent"
)

// Shared is what the deliveries of one event to the subscribers of one
// live queue have in common (ent.TicketEventDelivery.Shared): the
// payloads encoded for them, so that subscribers whose payloads are
// certainly identical (the same viewer, operation, variables and
// delivery; the caller names that in the key) encode the event once.
type Shared struct {
	mu       sync.Mutex
	payloads map[string][]byte
}

// maxSharedPayloads bounds the payloads one event keeps for one queue
// (the distinct viewers and operations among its subscribers); beyond
// it, subscribers encode their own.
const maxSharedPayloads = 64

// Payload returns the payload kept under key.
func (s *Shared) Payload(key string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.payloads[key]
	return b, ok
}

// Keep keeps payload under key, unless one is kept there already or the
// bound is reached. The caller no longer changes payload.
func (s *Shared) Keep(key string, payload []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.payloads[key]; ok || len(s.payloads) >= maxSharedPayloads {
		return
	}
	if s.payloads == nil {
		s.payloads = map[string][]byte{}
	}
	s.payloads[key] = payload
}

// SharedOf returns what a live queue's delivery shares with the other
// deliveries of its event to the queue (nil: nothing).
func SharedOf(d *ent.TicketEvent) *Shared {
	if d == nil || d.Delivery == nil {
		return nil
	}
	s, _ := d.Delivery.Shared.(*Shared)
	return s
}
