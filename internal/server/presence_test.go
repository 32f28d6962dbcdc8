package server_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"helpdesk/internal/gqltest"
	"helpdesk/internal/testdb"
)

const presenceSubscription = `subscription($t: ID!) {
  ticketPresence(ticketID: $t) { agent { id name } state since updatedAt }
}`

const setPresence = `mutation($t: ID!, $s: PresenceState!) { setTicketPresence(ticketID: $t, state: $s) }`

type presenceEntry struct {
	Agent struct{ ID, Name string }
	State string
	Since time.Time
}

// present reads presence lists of subscription id until one holds exactly
// the given "name:STATE" entries, in any order.
func present(t *testing.T, s *gqltest.Socket, id string, want ...string) []presenceEntry {
	t.Helper()
	var seen []string
	for i := 0; i < 50; i++ {
		var d struct{ TicketPresence []presenceEntry }
		s.Next(t, id, &d)
		got := map[string]bool{}
		for _, e := range d.TicketPresence {
			got[e.Agent.Name+":"+e.State] = true
		}
		raw, _ := json.Marshal(d.TicketPresence)
		seen = append(seen, string(raw))
		match := len(got) == len(want) && len(d.TicketPresence) == len(want)
		for _, w := range want {
			match = match && got[w]
		}
		if match {
			return d.TicketPresence
		}
	}
	t.Fatalf("presence never became %v; lists: %v", want, seen)
	return nil
}

// setOverSocket runs setTicketPresence as an operation of socket s.
func setOverSocket(t *testing.T, s *gqltest.Socket, id, ticketID, state string) {
	t.Helper()
	s.Subscribe(t, id, setPresence, map[string]any{"t": ticketID, "s": state})
	var d struct{ SetTicketPresence bool }
	s.Next(t, id, &d)
	if !d.SetTicketPresence {
		t.Fatalf("setTicketPresence over the socket returned false")
	}
	if m := s.NextMessage(t); m.Type != "complete" || m.ID != id {
		t.Fatalf("after the mutation's result: %s %q %s", m.Type, m.ID, m.Payload)
	}
}

// TestTicketPresence shows who looks at a ticket to the agents who may
// read it: entries appear, change, and disappear on LEFT and when the
// setter's socket closes; agents who cannot read the ticket and tokens
// can neither set nor watch it, and a watch ends when the ticket moves out
// of the watcher's sight.
func TestTicketPresence(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, dial string) {
		o := newOrg(t, dial)
		startApp(t, o.app)
		cus := o.newCustomer(t, "Presence Customer", "presence@example.com")
		tk := o.openTicket(t, cus, "A", "LOW")

		w := gqltest.Connect(t, o.url, gqltest.TransportWS, o.clients["agentA"].Token)
		w.Subscribe(t, "p", presenceSubscription, map[string]any{"t": tk})
		present(t, w, "p")

		o.clients["agentAB"].Must(t, setPresence, map[string]any{"t": tk, "s": "VIEWING"}, nil)
		first := present(t, w, "p", "agentAB:VIEWING")
		if first[0].Agent.ID != string(o.agents["agentAB"]) || first[0].Since.IsZero() {
			t.Fatalf("entry %+v", first[0])
		}
		o.clients["agentAB"].Must(t, setPresence, map[string]any{"t": tk, "s": "TYPING"}, nil)
		present(t, w, "p", "agentAB:TYPING")
		o.clients["agentAB"].Must(t, setPresence, map[string]any{"t": tk, "s": "LEFT"}, nil)
		present(t, w, "p")

		// Presence set over a socket ends with the socket.
		lead := gqltest.Connect(t, o.url, gqltest.LegacyWS, o.clients["leadA"].Token)
		setOverSocket(t, lead, "set", tk, "TYPING")
		present(t, w, "p", "leadA:TYPING")
		lead.Close()
		present(t, w, "p")

		// An agent of another team can neither set nor watch it; tokens
		// are refused.
		o.clients["agentC"].MustFail(t, "NOT_FOUND", setPresence, map[string]any{"t": tk, "s": "VIEWING"})
		c := gqltest.Connect(t, o.url, gqltest.TransportWS, o.clients["agentC"].Token)
		c.Subscribe(t, "p", presenceSubscription, map[string]any{"t": tk})
		if m := c.NextMessage(t); !containsCode(m.Payload, "NOT_FOUND") {
			t.Fatalf("agent of another team subscribing: %s %s, want NOT_FOUND", m.Type, m.Payload)
		}
		var tok struct{ CreateAPIToken struct{ Token string } }
		o.mutate(t, `mutation($c: ID!) { createAPIToken(input: {name: "portal", customerID: $c}) { token } }`,
			map[string]any{"c": cus}, &tok)
		cc := &gqltest.Client{URL: o.url, Token: tok.CreateAPIToken.Token}
		cc.MustFail(t, "FORBIDDEN", setPresence, map[string]any{"t": tk, "s": "VIEWING"})
		cs := gqltest.Connect(t, o.url, gqltest.TransportWS, tok.CreateAPIToken.Token)
		cs.Subscribe(t, "p", presenceSubscription, map[string]any{"t": tk})
		if m := cs.NextMessage(t); !containsCode(m.Payload, "FORBIDDEN") {
			t.Fatalf("customer token subscribing: %s %s, want FORBIDDEN", m.Type, m.Payload)
		}
		o.clients["agentAB"].Must(t, setPresence, map[string]any{"t": tk, "s": "VIEWING"}, nil)
		present(t, w, "p", "agentAB:VIEWING") // and nothing of agentC

		// A ticket that moves out of the watcher's sight ends the watch.
		o.update(t, tk, map[string]any{"teamID": o.teams["C"]})
		o.clients["admin"].Must(t, setPresence, map[string]any{"t": tk, "s": "VIEWING"}, nil)
		if m := w.NextMessage(t); !containsCode(m.Payload, "NOT_FOUND") {
			t.Fatalf("after the ticket moved away: %s %s, want NOT_FOUND", m.Type, m.Payload)
		}
	})
}

// TestTicketPresenceTimeout drops an entry that is not refreshed.
func TestTicketPresenceTimeout(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, dial string) {
		o := newOrg(t, dial)
		o.app.Presence.Timeout = 2 * time.Second
		startApp(t, o.app)
		tk := o.openTicket(t, o.newCustomer(t, "Timeout Customer", "timeout@example.com"), "A", "LOW")
		w := gqltest.Connect(t, o.url, gqltest.TransportWS, o.clients["agentA"].Token)
		w.Subscribe(t, "p", presenceSubscription, map[string]any{"t": tk})
		present(t, w, "p")
		o.clients["agentAB"].Must(t, setPresence, map[string]any{"t": tk, "s": "VIEWING"}, nil)
		present(t, w, "p", "agentAB:VIEWING")
		present(t, w, "p")
	})
}

// TestPresenceAcrossReplicas shows presence set through one App to a
// subscriber of another App on the same PostgreSQL database.
func TestPresenceAcrossReplicas(t *testing.T) {
	o := newOrg(t, dialect.Postgres)
	startApp(t, o.app)
	replicaURL := o.startReplica(t)

	tk := o.openTicket(t, o.newCustomer(t, "Replica Presence", "replica-presence@example.com"), "A", "LOW")
	w := gqltest.Connect(t, replicaURL, gqltest.TransportWS, o.clients["agentA"].Token)
	w.Subscribe(t, "p", presenceSubscription, map[string]any{"t": tk})
	present(t, w, "p")

	o.clients["agentAB"].Must(t, setPresence, map[string]any{"t": tk, "s": "VIEWING"}, nil)
	present(t, w, "p", "agentAB:VIEWING")
	lead := gqltest.Connect(t, o.url, gqltest.TransportWS, o.clients["leadA"].Token)
	setOverSocket(t, lead, "set", tk, "TYPING")
	present(t, w, "p", "agentAB:VIEWING", "leadA:TYPING")
	o.clients["agentAB"].Must(t, setPresence, map[string]any{"t": tk, "s": "LEFT"}, nil)
	present(t, w, "p", "leadA:TYPING")
	lead.Close()
	present(t, w, "p")
}

// TestPresenceSurvivesAListenerReconnect cuts both Apps' presence
// listeners and changes presence at once: whatever the replica missed
// while reconnecting, it ends up with the entries as they are (the one set
// meanwhile present, the one that left meanwhile gone), without waiting
// for entries to expire.
func TestPresenceSurvivesAListenerReconnect(t *testing.T) {
	o := newOrg(t, dialect.Postgres)
	startApp(t, o.app)
	replicaURL := o.startReplica(t)

	tk := o.openTicket(t, o.newCustomer(t, "Reconnect Presence", "reconnect-presence@example.com"), "A", "LOW")
	w := gqltest.Connect(t, replicaURL, gqltest.TransportWS, o.clients["agentA"].Token)
	w.Subscribe(t, "p", presenceSubscription, map[string]any{"t": tk})
	present(t, w, "p")
	o.clients["agentAB"].Must(t, setPresence, map[string]any{"t": tk, "s": "VIEWING"}, nil)
	present(t, w, "p", "agentAB:VIEWING")

	res, err := o.app.DB.SQL.ExecContext(context.Background(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND query LIKE 'LISTEN%helpdesk_presence%' AND pid <> pg_backend_pid()`)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 2 {
		t.Fatalf("terminated %d presence listeners, want 2 (one per App)", n)
	}
	o.clients["agentAB"].Must(t, setPresence, map[string]any{"t": tk, "s": "LEFT"}, nil)
	o.clients["leadA"].Must(t, setPresence, map[string]any{"t": tk, "s": "VIEWING"}, nil)
	present(t, w, "p", "leadA:VIEWING")
}
