package presence

import "helpdesk/internal/gid"

// Watcher receives, on C, the full list of a ticket's presence: first the
// current one, then a new one after every change. Only the newest list
// matters, so a watcher that reads slowly skips intermediate lists and the
// hub never waits for it. C is closed when the hub closes.
type Watcher struct {
	C <-chan []Entry

	ch       chan []Entry
	hub      *Hub
	ticketID gid.ID
}

// Watch starts watching a ticket's presence.
func (h *Hub) Watch(ticketID gid.ID) *Watcher {
	ch := make(chan []Entry, 1)
	w := &Watcher{C: ch, ch: ch, hub: h, ticketID: ticketID}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		close(ch)
		return w
	}
	ws := h.watchers[ticketID]
	if ws == nil {
		ws = map[*Watcher]struct{}{}
		h.watchers[ticketID] = ws
	}
	ws[w] = struct{}{}
	ch <- h.listLocked(ticketID)
	return w
}

// Close stops watching.
func (w *Watcher) Close() {
	h := w.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	ws, ok := h.watchers[w.ticketID]
	if !ok {
		return
	}
	if _, ok := ws[w]; !ok {
		return
	}
	delete(ws, w)
	if len(ws) == 0 {
		delete(h.watchers, w.ticketID)
	}
	close(w.ch)
}

// notifyLocked hands the ticket's current list to its watchers, replacing
// a list a watcher has not read yet.
func (h *Hub) notifyLocked(ticketID gid.ID) {
	ws := h.watchers[ticketID]
	if len(ws) == 0 {
		return
	}
	list := h.listLocked(ticketID)
	for w := range ws {
		select {
		case w.ch <- list:
			continue
		default:
		}
		select {
		case <-w.ch:
		default:
		}
		select {
		case w.ch <- list:
		default:
		}
	}
}
