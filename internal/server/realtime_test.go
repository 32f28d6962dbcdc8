package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"entgo.io/ent/dialect"

	"helpdesk/internal/gid"
	"helpdesk/internal/gqltest"
	"helpdesk/internal/server"
	"helpdesk/internal/store"
	"helpdesk/internal/testdb"
)

// queueSubscription follows a live queue as DESIGN.md's contract has it:
// ticketEvents delivers TicketEvents.
const queueSubscription = `subscription($where: TicketWhereInput, $after: Cursor) {
  ticketEvents(where: $where, after: $after) {
    id queueChange ticketID sequence cursor totalCount
    kind createdAt changes { field to } actor { name } comment { body visibility } ticket { id title }
  }
}`

type delivery struct {
	TicketEvents queueEvent
}

// queueEvent is one delivery of a live queue; the fields a withheld LEFT
// leaves null are pointers.
type queueEvent struct {
	ID, QueueChange, TicketID, Cursor string
	Sequence                          int64
	TotalCount                        int
	Kind, CreatedAt                   *string
	Changes                           *[]struct{ Field string }
	Actor                             *struct{ Name string }
	Comment                           *struct{ Body, Visibility string }
	Ticket                            *struct{ ID, Title string }
}

// withheld reports whether the delivery shows nothing of its event but
// where it is in the log and which ticket it names.
func (e queueEvent) withheld() bool {
	return e.Kind == nil && e.CreatedAt == nil && e.Changes == nil && e.Actor == nil && e.Comment == nil && e.Ticket == nil
}

// kind returns the event's kind, or "" when withheld.
func (e queueEvent) kind() string {
	if e.Kind == nil {
		return ""
	}
	return *e.Kind
}

// next waits for the next delivery of the queue subscription id.
func next(t *testing.T, s *gqltest.Socket, id string) delivery {
	t.Helper()
	var d delivery
	s.Next(t, id, &d)
	return d
}

// expect checks a delivery's queue change and ticket, and that it carries
// the event (which names the ticket it delivers).
func expect(t *testing.T, d delivery, change, ticketID string) {
	t.Helper()
	e := d.TicketEvents
	if e.QueueChange != change || e.TicketID != ticketID || e.ID == "" || e.Cursor == "" ||
		e.Kind == nil || e.CreatedAt == nil || e.Changes == nil || e.Ticket == nil || e.Ticket.ID != ticketID {
		raw, _ := json.Marshal(d)
		t.Fatalf("got %s, want %s of %s with its event", raw, change, ticketID)
	}
}

// expectWithheld checks a LEFT delivery of a ticket the subscriber may no
// longer read: nothing of the ticket or of the event's changes.
func expectWithheld(t *testing.T, d delivery, ticketID string) {
	t.Helper()
	if e := d.TicketEvents; e.QueueChange != "LEFT" || e.TicketID != ticketID || e.Cursor == "" || !e.withheld() {
		raw, _ := json.Marshal(d)
		t.Fatalf("got %s, want a withheld LEFT of %s", raw, ticketID)
	}
}

func startApp(t *testing.T, app *server.App) {
	t.Helper()
	if err := app.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func (o *org) mutate(t *testing.T, query string, vars map[string]any, out any) {
	t.Helper()
	o.clients["admin"].Must(t, query, vars, out)
}

func (o *org) openTicket(t *testing.T, customer gid.ID, team, priority string) string {
	t.Helper()
	var res struct{ CreateTicket struct{ ID string } }
	o.mutate(t, `mutation($in: CreateTicketInput!) { createTicket(input: $in) { id } }`, map[string]any{"in": map[string]any{
		"title": "Printer on fire", "channel": "EMAIL", "customerID": customer, "teamID": o.teams[team], "priority": priority,
	}}, &res)
	return res.CreateTicket.ID
}

func (o *org) update(t *testing.T, id string, in map[string]any) {
	t.Helper()
	o.mutate(t, `mutation($id: ID!, $in: UpdateTicketInput!) { updateTicket(id: $id, input: $in) { id } }`,
		map[string]any{"id": id, "in": in}, nil)
}

func (o *org) addComment(t *testing.T, id, body, visibility string) {
	t.Helper()
	o.mutate(t, `mutation($in: AddCommentInput!) { addComment(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"ticketID": id, "body": body, "visibility": visibility}}, nil)
}

// TestLiveQueue follows a filtered queue as a ticket enters, changes,
// leaves and moves to another team, and checks that an agent of another
// team and a customer receive nothing they may not see.
func TestLiveQueue(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, dial string) {
		o := newOrg(t, dial)
		startApp(t, o.app)
		cus := o.newCustomer(t, "Queue Customer", "queue@example.com")

		sentinelA := o.openTicket(t, cus, "A", "HIGH")
		sentinelC := o.openTicket(t, cus, "C", "LOW")
		a := gqltest.Connect(t, o.url, gqltest.TransportWS, o.clients["agentA"].Token)
		o.subscribeReady(t, a, "high", map[string]any{"priority": "HIGH"}, sentinelA)
		c := gqltest.Connect(t, o.url, gqltest.LegacyWS, o.clients["agentC"].Token)
		o.subscribeReady(t, c, "all", nil, sentinelC)

		// A customer's token is refused: customers read no ticket history.
		var tok struct{ CreateAPIToken struct{ Token string } }
		o.mutate(t, `mutation($c: ID!) { createAPIToken(input: {name: "portal", customerID: $c}) { token } }`,
			map[string]any{"c": cus}, &tok)
		cs := gqltest.Connect(t, o.url, gqltest.TransportWS, tok.CreateAPIToken.Token)
		cs.Subscribe(t, "mine", queueSubscription, nil)
		if m := cs.NextMessage(t); m.Type != "next" || !json.Valid(m.Payload) || !containsCode(m.Payload, "FORBIDDEN") {
			t.Fatalf("customer subscription answered %s %s, want FORBIDDEN", m.Type, m.Payload)
		}

		t1 := o.openTicket(t, cus, "A", "HIGH")
		d := next(t, a, "high")
		expect(t, d, "ENTERED", t1)
		if d.TicketEvents.TotalCount != 2 || d.TicketEvents.kind() != "CREATED" || d.TicketEvents.Ticket.Title != "Printer on fire" {
			t.Fatalf("entered: %+v", d.TicketEvents)
		}
		o.addComment(t, t1, "internal: call the fire brigade", "INTERNAL")
		d = next(t, a, "high")
		expect(t, d, "CHANGED", t1)
		if d.TicketEvents.Comment == nil || d.TicketEvents.Comment.Visibility != "INTERNAL" {
			t.Fatalf("comment event: %+v", d.TicketEvents)
		}
		// It stops matching the filter, but agent A may still read it:
		// the LEFT carries the event that moved it out.
		o.update(t, t1, map[string]any{"priority": "LOW"})
		d = next(t, a, "high")
		expect(t, d, "LEFT", t1)
		if d.TicketEvents.TotalCount != 1 || d.TicketEvents.kind() != "UPDATED" ||
			len(*d.TicketEvents.Changes) == 0 || (*d.TicketEvents.Changes)[0].Field != "priority" {
			t.Fatalf("after leaving: %+v, want totalCount 1 and the priority change", d.TicketEvents)
		}
		// Events of a ticket out of the queue are not delivered.
		// (A comment on the sentinel, which is in the queue, comes next.)
		o.addComment(t, t1, "still low", "PUBLIC")
		o.addComment(t, sentinelA, "next", "PUBLIC")
		expect(t, next(t, a, "high"), "CHANGED", sentinelA)
		o.update(t, t1, map[string]any{"priority": "HIGH"})
		expect(t, next(t, a, "high"), "ENTERED", t1)

		// Moved to team C: it leaves A's view (withheld: agent A may no
		// longer read it, so nothing of the move reaches them) and enters
		// C's. It is the first thing agent C receives: nothing of team A
		// reached them.
		o.update(t, t1, map[string]any{"teamID": o.teams["C"]})
		expectWithheld(t, next(t, a, "high"), t1)
		d = next(t, c, "all")
		expect(t, d, "ENTERED", t1)
		// The sequence C saw is the one A saw leave.
	})
}

// startReplica starts a second App on the org's PostgreSQL database, with
// its job workers and event bus running, serves it on loopback and
// returns its GraphQL URL.
func (o *org) startReplica(t *testing.T) string {
	t.Helper()
	db, err := store.Open(context.Background(), o.app.DB.DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	replica, err := server.NewApp(context.Background(), db, server.Options{TokenKey: testTokenKey, PasswordCost: testPasswordCost})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(replica.Close)
	startApp(t, replica)
	srv := httptest.NewServer(replica.Handler)
	t.Cleanup(srv.Close)
	return srv.URL + "/graphql"
}

// latestCursor returns the cursor of a ticket's latest event.
func (o *org) latestCursor(t *testing.T, ticketID string) string {
	t.Helper()
	var res struct {
		Node struct {
			Events struct {
				Edges []struct{ Node struct{ Cursor string } }
			}
		}
	}
	o.mutate(t, `query($id: ID!) { node(id: $id) { ... on Ticket {
		events(first: 100, orderBy: [{field: SEQUENCE}]) { edges { node { cursor } } } } } }`, map[string]any{"id": ticketID}, &res)
	edges := res.Node.Events.Edges
	if len(edges) == 0 {
		t.Fatalf("ticket %s has no events", ticketID)
	}
	return edges[len(edges)-1].Node.Cursor
}

// subscribeReady subscribes to a queue after the latest event of
// sentinel, a ticket in that queue, and returns once a comment on the
// sentinel came through: from then on the subscription is live and has
// taken its view of the queue, so what follows is deterministic.
func (o *org) subscribeReady(t *testing.T, s *gqltest.Socket, id string, where map[string]any, sentinel string) {
	t.Helper()
	s.Subscribe(t, id, queueSubscription, map[string]any{"where": where, "after": o.latestCursor(t, sentinel)})
	o.addComment(t, sentinel, "are you there?", "PUBLIC")
	if d := next(t, s, id); d.TicketEvents.TicketID != sentinel {
		t.Fatalf("first delivery is about %s, want the sentinel %s", d.TicketEvents.TicketID, sentinel)
	}
}

func containsCode(payload []byte, code string) bool {
	var res gqltest.Response
	if err := json.Unmarshal(payload, &res); err != nil {
		var errs []gqltest.Error
		if json.Unmarshal(payload, &errs) != nil {
			return false
		}
		res.Errors = errs
	}
	for _, e := range res.Errors {
		if e.Code() == code {
			return true
		}
	}
	return false
}

// TestResumeAfterDisconnect replays what was committed while a client was
// away, then goes live, with no gap and no duplicate.
func TestResumeAfterDisconnect(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, dial string) {
		o := newOrg(t, dial)
		startApp(t, o.app)
		cus := o.newCustomer(t, "Resume Customer", "resume@example.com")
		s := gqltest.Connect(t, o.url, gqltest.TransportWS, o.clients["admin"].Token)
		o.subscribeReady(t, s, "q", nil, o.openTicket(t, cus, "A", "LOW"))
		t1 := o.openTicket(t, cus, "A", "HIGH")
		first := next(t, s, "q")
		expect(t, first, "ENTERED", t1)
		s.Close()

		// While away: three changes.
		o.addComment(t, t1, "one", "PUBLIC")
		o.update(t, t1, map[string]any{"priority": "LOW"})
		t2 := o.openTicket(t, cus, "B", "MEDIUM")

		s = gqltest.Connect(t, o.url, gqltest.TransportWS, o.clients["admin"].Token)
		s.Subscribe(t, "q", queueSubscription, map[string]any{"after": first.TicketEvents.Cursor})
		want := []string{t1, t1, t2}
		seq := first.TicketEvents.Sequence
		for i, id := range want {
			d := next(t, s, "q")
			if d.TicketEvents.TicketID != id || d.TicketEvents.Sequence != seq+1 {
				t.Fatalf("replay %d: ticket %s sequence %d, want %s at %d", i, d.TicketEvents.TicketID, d.TicketEvents.Sequence, id, seq+1)
			}
			seq = d.TicketEvents.Sequence
		}
		// Then live, right after.
		o.addComment(t, t2, "live", "PUBLIC")
		d := next(t, s, "q")
		if d.TicketEvents.TicketID != t2 || d.TicketEvents.Sequence != seq+1 || d.TicketEvents.kind() != "COMMENTED" {
			t.Fatalf("live after replay: %+v, want the comment on %s at %d", d.TicketEvents, t2, seq+1)
		}

		// A cursor that is not an event's is refused.
		s.Subscribe(t, "bad", queueSubscription, map[string]any{"after": "bm90IGEgY3Vyc29y"})
		if m := s.NextMessage(t); !containsCode(m.Payload, "BAD_USER_INPUT") {
			t.Fatalf("bad cursor answered %s %s", m.Type, m.Payload)
		}
	})
}

// TestReplicasShareEvents runs two Apps on one PostgreSQL: a subscriber
// on one receives what is committed through the other, also across a
// reconnect of its listener, with nothing lost.
func TestReplicasShareEvents(t *testing.T) {
	o := newOrg(t, dialect.Postgres)
	startApp(t, o.app)
	ctx := context.Background()
	replicaURL := o.startReplica(t)

	cus := o.newCustomer(t, "Replica Customer", "replica@example.com")
	s := gqltest.Connect(t, replicaURL, gqltest.TransportWS, o.clients["admin"].Token)
	o.subscribeReady(t, s, "q", nil, o.openTicket(t, cus, "B", "LOW"))
	t1 := o.openTicket(t, cus, "A", "HIGH") // through the first App
	d := next(t, s, "q")
	expect(t, d, "ENTERED", t1)
	seq := d.TicketEvents.Sequence

	// Cut the replica's listening connection, and change things while it
	// reconnects.
	res, err := o.app.DB.SQL.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND query LIKE 'LISTEN%helpdesk_ticket_events%' AND pid <> pg_backend_pid()`)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 2 {
		t.Fatalf("terminated %d listening connections, want 2 (one per App)", n)
	}
	for i := 0; i < 5; i++ {
		o.addComment(t, t1, "while reconnecting", "PUBLIC")
	}
	for i := 0; i < 5; i++ {
		d := next(t, s, "q")
		if d.TicketEvents.Sequence != seq+1 || d.TicketEvents.kind() != "COMMENTED" {
			t.Fatalf("after the listener was cut, delivery %d: %+v, want a comment at %d", i, d.TicketEvents, seq+1)
		}
		seq++
	}
}

// TestGraphiQLSubscriptions checks that the page's fetcher reaches
// subscriptions: it derives the socket from the same endpoint and sends
// the Headers tab as the connection_init payload.
func TestGraphiQLSubscriptions(t *testing.T) {
	o := newOrg(t, dialect.SQLite)
	startApp(t, o.app)
	base := o.url[:len(o.url)-len("/graphql")]
	page := getBody(t, base+"/")
	for _, want := range []string{`subscriptionUrl: wsURL.href`, `connectionParams: JSON.parse(wsHeaders)`} {
		if !strings.Contains(page, want) {
			t.Fatalf("GraphiQL page lacks %q", want)
		}
	}
	if !strings.Contains(page, `"\/graphql"`) && !strings.Contains(page, `"/graphql"`) {
		t.Fatal("GraphiQL page does not name /graphql as its endpoint")
	}
	s, _, err := gqltest.DialSocket(o.url, gqltest.TransportWS, http.Header{"Origin": []string{base}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	s.InitWith(t, map[string]any{"Authorization": "Bearer " + o.clients["admin"].Token})
	if m := s.NextMessage(t); m.Type != "connection_ack" {
		t.Fatalf("connection_init answered %s %s", m.Type, m.Payload)
	}
	s.Subscribe(t, "1", `subscription { ticketChanged(id: $id) { kind cursor } }`, nil)
	if m := s.NextMessage(t); m.Type != "error" {
		t.Fatalf("an invalid subscription answered %s %s, want error", m.Type, m.Payload)
	}
	if m := s.NextMessage(t); m.Type != "complete" || m.ID != "1" {
		t.Fatalf("after its error, operation 1 got %s %s, want complete", m.Type, m.Payload)
	}
	cus := o.newCustomer(t, "Page Customer", "page@example.com")
	t1 := o.openTicket(t, cus, "A", "HIGH")
	s.Subscribe(t, "2", `subscription($id: ID!, $after: Cursor) { ticketChanged(id: $id, after: $after) { kind ticketID cursor } }`,
		map[string]any{"id": t1, "after": o.latestCursor(t, t1)})
	o.update(t, t1, map[string]any{"priority": "LOW"})
	var got struct {
		TicketChanged struct{ Kind, TicketID, Cursor string }
	}
	s.Next(t, "2", &got)
	if got.TicketChanged.TicketID != t1 || got.TicketChanged.Cursor == "" {
		t.Fatalf("ticketChanged delivered %+v", got.TicketChanged)
	}
}

func getBody(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Integration tokens follow ticket events with a ticket scope, and are
// refused without one.
func TestIntegrationTokensFollowTicketEventsWithTheirScope(t *testing.T) {
	o := newOrg(t, testdb.Dialects[0])
	startApp(t, o.app)
	cus := o.newCustomer(t, "Integrated Customer", "integrated@example.com")
	sentinel := o.openTicket(t, cus, "B", "MEDIUM")

	reader, _ := o.apiToken(t, map[string]any{"name": "Wallboard", "scopes": []string{"TICKETS_READ"}})
	s := gqltest.Connect(t, o.url, gqltest.TransportWS, reader.Token)
	o.subscribeReady(t, s, "all", nil, sentinel)
	t1 := o.openTicket(t, cus, "C", "URGENT")
	expect(t, next(t, s, "all"), "ENTERED", t1)

	crm, _ := o.apiToken(t, map[string]any{"name": "CRM", "scopes": []string{"CUSTOMERS_READ"}})
	c := gqltest.Connect(t, o.url, gqltest.TransportWS, crm.Token)
	c.Subscribe(t, "all", queueSubscription, nil)
	if m := c.NextMessage(t); m.Type != "next" || !containsCode(m.Payload, "FORBIDDEN") {
		t.Fatalf("a token without a ticket scope subscribed: %s %s, want FORBIDDEN", m.Type, m.Payload)
	}
}

// TestResumeReportsWhatLeftWhileAway resumes an agent's filtered queue
// after changes made while it was disconnected: a ticket moved out of the
// agent's team (now invisible to them) and one moved out of the filter
// are each reported LEFT once, the invisible one withheld; one that
// entered the filter is ENTERED; a ticket the agent could never read
// produces nothing.
func TestResumeReportsWhatLeftWhileAway(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, dial string) {
		o := newOrg(t, dial)
		startApp(t, o.app)
		cus := o.newCustomer(t, "Away Customer", "away@example.com")
		high := map[string]any{"priority": "HIGH"}

		sentinel := o.openTicket(t, cus, "A", "HIGH")
		s := gqltest.Connect(t, o.url, gqltest.TransportWS, o.clients["agentA"].Token)
		o.subscribeReady(t, s, "q", high, sentinel)
		invisible := o.openTicket(t, cus, "A", "HIGH")
		expect(t, next(t, s, "q"), "ENTERED", invisible)
		filtered := o.openTicket(t, cus, "A", "HIGH")
		expect(t, next(t, s, "q"), "ENTERED", filtered)
		entering := o.openTicket(t, cus, "A", "LOW")
		foreign := o.openTicket(t, cus, "C", "HIGH")
		o.addComment(t, sentinel, "last seen", "PUBLIC")
		last := next(t, s, "q")
		expect(t, last, "CHANGED", sentinel)
		s.Close()

		// While away.
		o.update(t, invisible, map[string]any{"teamID": o.teams["C"]})
		o.addComment(t, invisible, "secret plans of team C", "INTERNAL")
		o.update(t, filtered, map[string]any{"priority": "LOW"})
		o.addComment(t, filtered, "low now", "PUBLIC")
		o.addComment(t, foreign, "team C only", "INTERNAL")
		o.update(t, entering, map[string]any{"priority": "HIGH"})

		s = gqltest.Connect(t, o.url, gqltest.TransportWS, o.clients["agentA"].Token)
		s.Subscribe(t, "q", queueSubscription, map[string]any{"where": high, "after": last.TicketEvents.Cursor})
		expectWithheld(t, next(t, s, "q"), invisible)
		d := next(t, s, "q")
		expect(t, d, "LEFT", filtered)
		if d.TicketEvents.kind() != "UPDATED" {
			t.Fatalf("filtered ticket left with %+v, want the priority change", d.TicketEvents)
		}
		d = next(t, s, "q")
		expect(t, d, "ENTERED", entering)
		if d.TicketEvents.TotalCount != 2 {
			t.Fatalf("after the replay totalCount is %d, want 2 (the sentinel and the entered ticket)", d.TicketEvents.TotalCount)
		}
		// Live again: the next delivery is the sentinel's comment, so
		// nothing else (no second LEFT, nothing of the foreign ticket)
		// was replayed.
		o.addComment(t, sentinel, "back", "PUBLIC")
		expect(t, next(t, s, "q"), "CHANGED", sentinel)
	})
}
