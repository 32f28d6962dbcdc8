package server

import (
	"sync"

	"github.com/gorilla/websocket"
)

// CloseGoingAway is the close code every open socket gets when the server
// stops (RFC 6455's 1001): the client reconnects, to another replica or
// after the restart, and resumes with `after`.
const CloseGoingAway = websocket.CloseGoingAway

// sockets is the set of open websockets, so that a stopping server closes
// them with a proper close frame rather than dropping the connections (an
// http.Server does not track the connections it handed over).
type sockets struct {
	mu      sync.Mutex
	open    map[*gorillaConn]struct{}
	stopped bool
}

// add records a new socket; false when the server is stopping, and the
// socket is closed at once.
func (s *sockets) add(c *gorillaConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return false
	}
	if s.open == nil {
		s.open = map[*gorillaConn]struct{}{}
	}
	s.open[c] = struct{}{}
	return true
}

func (s *sockets) remove(c *gorillaConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.open, c)
}

// closeAll closes every open socket with 1001 and refuses new ones.
func (s *sockets) closeAll() {
	s.mu.Lock()
	s.stopped = true
	open := s.open
	s.open = nil
	s.mu.Unlock()
	for c := range open {
		c.closeWith(CloseGoingAway, "server shutting down: reconnect and resume")
	}
}
