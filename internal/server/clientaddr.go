package server

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"helpdesk/internal/auth"
)

// withClientAddress puts the client's address in the request context, for
// the login throttle. It is the connection's peer address, unless that is
// a trusted reverse proxy: then the nearest address in X-Forwarded-For
// that is not itself a trusted proxy. Clients can write anything into that
// header, so it is read only from trusted proxies, and from the right (the
// entries the proxies appended).
func withClientAddress(trusted []netip.Prefix, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addr := clientAddress(r, trusted)
		if addr.IsValid() {
			r = r.WithContext(auth.WithClientAddress(r.Context(), addr.String()))
		}
		next.ServeHTTP(w, r)
	})
}

func clientAddress(r *http.Request, trusted []netip.Prefix) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	peer = peer.Unmap()
	if !isTrusted(peer, trusted) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			// Garbage written by someone: what was left of it is no
			// better than the last proxy.
			return peer
		}
		hop = hop.Unmap()
		if !isTrusted(hop, trusted) {
			return hop
		}
		peer = hop
	}
	return peer
}

func isTrusted(addr netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}
