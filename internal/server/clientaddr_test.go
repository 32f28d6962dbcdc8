package server

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientAddress(t *testing.T) {
	t.Parallel()
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	cases := []struct {
		name, remote, forwarded string
		trusted                 []netip.Prefix
		want                    string
	}{
		{"no proxies: the peer, whatever the header says", "203.0.113.5:4000", "198.51.100.1", nil, "203.0.113.5"},
		{"an untrusted peer's header is ignored", "203.0.113.5:4000", "198.51.100.1", proxies, "203.0.113.5"},
		{"behind a trusted proxy: the address it appended", "10.0.0.2:4000", "1.1.1.1, 198.51.100.1", proxies, "198.51.100.1"},
		{"through two trusted proxies", "10.0.0.2:4000", "198.51.100.1, 10.0.0.3", proxies, "198.51.100.1"},
		{"a trusted proxy without the header", "10.0.0.2:4000", "", proxies, "10.0.0.2"},
		{"garbage in the header", "10.0.0.2:4000", "198.51.100.1, not-an-ip", proxies, "10.0.0.2"},
		{"IPv6 peer", "[2001:db8::1]:4000", "", nil, "2001:db8::1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/graphql", nil)
			r.RemoteAddr = tc.remote
			if tc.forwarded != "" {
				r.Header.Set("X-Forwarded-For", tc.forwarded)
			}
			if got := clientAddress(r, tc.trusted).String(); got != tc.want {
				t.Fatalf("client address = %s, want %s", got, tc.want)
			}
		})
	}
}
