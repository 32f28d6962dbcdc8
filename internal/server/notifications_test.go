package server_test

import (
	"encoding/json"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"helpdesk/ent"
	"helpdesk/internal/gqltest"
	"helpdesk/internal/store"
	"helpdesk/internal/testdb"
)

const notificationsQuery = `query($where: NotificationWhereInput) {
  notifications(first: 50, where: $where) {
    totalCount unreadCount
    edges { node { id kind sequence readAt recipient { id } ticket { id } comment { body } actor { id } } }
  }
  unreadNotificationCount
}`

type notificationNode struct {
	ID        string
	Kind      string
	Sequence  int64
	ReadAt    *string
	Recipient struct{ ID string }
	Ticket    struct{ ID string }
	Comment   *struct{ Body string }
	Actor     *struct{ ID string }
}

type notificationList struct {
	Notifications struct {
		TotalCount  int
		UnreadCount int
		Edges       []struct{ Node notificationNode }
	}
	UnreadNotificationCount int
}

// notificationsOf lists an agent's notifications, newest first.
func (o *org) notificationsOf(t *testing.T, name string, where map[string]any) notificationList {
	t.Helper()
	var out notificationList
	o.clients[name].Must(t, notificationsQuery, map[string]any{"where": where}, &out)
	if out.Notifications.UnreadCount != out.UnreadNotificationCount {
		t.Fatalf("unreadCount %d != unreadNotificationCount %d", out.Notifications.UnreadCount, out.UnreadNotificationCount)
	}
	return out
}

// commentAs adds a comment as the named agent.
func (o *org) commentAs(t *testing.T, name, ticketID, body string, mentionIDs ...string) {
	t.Helper()
	in := map[string]any{"ticketID": ticketID, "body": body, "visibility": "INTERNAL"}
	if mentionIDs != nil {
		in["mentionIDs"] = mentionIDs
	}
	o.clients[name].Must(t, `mutation($in: AddCommentInput!) { addComment(input: $in) { id } }`, map[string]any{"in": in}, nil)
}

func kinds(l notificationList) []string {
	var out []string
	for _, e := range l.Notifications.Edges {
		out = append(out, e.Node.Kind)
	}
	return out
}

func wantKinds(t *testing.T, who string, l notificationList, want ...string) {
	t.Helper()
	got := kinds(l)
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Fatalf("%s's notifications = %s, want %s (newest first)", who, g, w)
	}
}

// TestNotifications follows mentions (by @handle and by id), assignments
// and watched tickets into the right agents' notifications, and checks
// that nobody reads or marks another agent's.
func TestNotifications(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		o := newOrg(t, dial)
		a := o.agents
		t1 := o.newTicket(t, "A", "", "") // team A, unassigned: agentA and agentAB read it

		// agentA mentions agentAB by handle (with a final period), the
		// manager by id, and itself: the author is not notified.
		o.commentAs(t, "agentA", t1, "@agentAB, please ask @manager. Cc @agenta.", string(a["manager"]))
		for _, who := range []string{"agentAB", "manager"} {
			l := o.notificationsOf(t, who, nil)
			wantKinds(t, who, l, "MENTIONED")
			n := l.Notifications.Edges[0].Node
			if n.Ticket.ID != t1 || n.Actor == nil || n.Actor.ID != string(a["agentA"]) || n.Comment == nil || n.ReadAt != nil ||
				n.Recipient.ID != string(a[who]) || n.Sequence <= 0 || l.Notifications.UnreadCount != 1 {
				t.Fatalf("%s's notification: %+v (unread %d)", who, n, l.Notifications.UnreadCount)
			}
		}
		wantKinds(t, "agentA", o.notificationsOf(t, "agentA", nil))

		// Assignment notifies the new assignee, not an agent who takes a
		// ticket or the agent who assigns.
		o.clients["agentA"].Must(t, `mutation($id: ID!, $in: UpdateTicketInput!) { updateTicket(id: $id, input: $in) { id } }`,
			map[string]any{"id": t1, "in": map[string]any{"assigneeID": a["agentA"]}}, nil)
		wantKinds(t, "agentA", o.notificationsOf(t, "agentA", nil))
		o.update(t, t1, map[string]any{"assigneeID": a["agentAB"]})
		wantKinds(t, "agentAB", o.notificationsOf(t, "agentAB", nil), "ASSIGNED", "MENTIONED")
		wantKinds(t, "admin", o.notificationsOf(t, "admin", nil))

		// Watchers hear of comments; the commenting watcher does not.
		o.update(t, t1, map[string]any{"addWatcherIDs": []any{a["loner"], a["agentC"]}})
		o.commentAs(t, "agentC", t1, "I can help")
		wantKinds(t, "loner", o.notificationsOf(t, "loner", nil), "WATCHED_TICKET_UPDATED")
		wantKinds(t, "agentC", o.notificationsOf(t, "agentC", nil))
		wantKinds(t, "agentAB", o.notificationsOf(t, "agentAB", nil), "ASSIGNED", "MENTIONED")

		// A mention of an agent who cannot read the ticket: refused when
		// the author may not add watchers (loner only watches t2) ...
		t2 := o.newTicket(t, "C", "", "loner")
		for _, c := range []struct {
			body, field string
			ids         []string
		}{
			{"@agentA look", "input.body", nil},
			{"look", "input.mentionIDs", []string{string(a["agentA"])}},
		} {
			in := map[string]any{"ticketID": t2, "body": c.body, "mentionIDs": c.ids}
			e := o.clients["loner"].MustFail(t, "BAD_USER_INPUT", `mutation($in: AddCommentInput!) { addComment(input: $in) { id } }`, map[string]any{"in": in})
			if e.Field() != c.field {
				t.Fatalf("refused mention names %q, want %q (%s)", e.Field(), c.field, e.Message)
			}
		}
		var comments struct {
			Node struct{ Comments struct{ TotalCount int } }
		}
		o.mutate(t, `query($id: ID!) { node(id: $id) { ... on Ticket { comments { totalCount } } } }`, map[string]any{"id": t2}, &comments)
		if comments.Node.Comments.TotalCount != 0 {
			t.Fatalf("a refused comment was saved")
		}
		wantKinds(t, "agentA", o.notificationsOf(t, "agentA", nil))
		// ... and makes them a watcher when the author may (a manager).
		o.commentAs(t, "manager", t2, "@agentA look")
		wantKinds(t, "agentA", o.notificationsOf(t, "agentA", nil), "MENTIONED")
		wantKinds(t, "loner", o.notificationsOf(t, "loner", nil), "WATCHED_TICKET_UPDATED", "WATCHED_TICKET_UPDATED")
		var watched struct {
			Node struct{ Watchers []struct{ ID string } }
		}
		o.clients["agentA"].Must(t, `query($id: ID!) { node(id: $id) { ... on Ticket { watchers { id } } } }`, map[string]any{"id": t2}, &watched)
		if len(watched.Node.Watchers) != 2 {
			t.Fatalf("agentA reads t2's watchers as %+v, want loner and agentA", watched.Node.Watchers)
		}

		// Pages follow the default order, newest first.
		var page struct {
			Notifications struct {
				Edges    []struct{ Node struct{ Kind string } }
				PageInfo struct{ EndCursor string }
			}
		}
		const paged = `query($after: Cursor) { notifications(first: 1, after: $after) { edges { node { kind } } pageInfo { endCursor } } }`
		o.clients["agentAB"].Must(t, paged, nil, &page)
		o.clients["agentAB"].Must(t, paged, map[string]any{"after": page.Notifications.PageInfo.EndCursor}, &page)
		if len(page.Notifications.Edges) != 1 || page.Notifications.Edges[0].Node.Kind != "MENTIONED" {
			t.Fatalf("second page: %+v", page)
		}

		// Nobody reads, filters or marks another agent's notifications.
		theirs := o.notificationsOf(t, "agentAB", nil).Notifications.Edges[1].Node.ID
		var node struct {
			Node  *struct{ ID string }
			Nodes []*struct{ ID string }
		}
		for _, who := range []string{"agentC", "admin"} {
			res := o.clients[who].Post(t, `query($id: ID!) { node(id: $id) { id } nodes(ids: [$id]) { id } }`, map[string]any{"id": theirs})
			if err := json.Unmarshal(res.Data, &node); err != nil {
				t.Fatal(err)
			}
			if node.Node != nil || len(node.Nodes) > 0 && node.Nodes[0] != nil || len(res.Errors) != 2 ||
				res.Errors[0].Code() != "NOT_FOUND" || res.Errors[1].Code() != "NOT_FOUND" {
				t.Fatalf("%s looked up agentAB's notification: %s %+v", who, res.Data, res.Errors)
			}
			l := o.notificationsOf(t, who, map[string]any{"hasRecipientWith": []any{map[string]any{"id": a["agentAB"]}}})
			if l.Notifications.TotalCount != 0 {
				t.Fatalf("%s filtered agentAB's notifications: %+v", who, l)
			}
			var marked struct{ MarkNotificationsRead int }
			o.clients[who].Must(t, `mutation($ids: [ID!]) { markNotificationsRead(ids: $ids) }`, map[string]any{"ids": []string{theirs}}, &marked)
			if marked.MarkNotificationsRead != 0 {
				t.Fatalf("%s marked agentAB's notification read", who)
			}
		}
		if n := o.notificationsOf(t, "agentAB", nil).UnreadNotificationCount; n != 2 {
			t.Fatalf("agentAB has %d unread, want 2", n)
		}
		tok, _ := o.apiToken(t, map[string]any{"name": "sync", "scopes": []string{"TICKETS_READ"}})
		tok.MustFail(t, "FORBIDDEN", `{ notifications { totalCount } }`, nil)
		tok.MustFail(t, "FORBIDDEN", `mutation { markNotificationsRead }`, nil)
		// A handle is an email's local part: customers do not read it.
		portal, _ := o.apiToken(t, map[string]any{"name": "portal", "customerID": o.customer(t)})
		portal.MustFail(t, "FORBIDDEN", `query($id: ID!) { node(id: $id) { ... on Ticket { assignee { handle } } } }`, map[string]any{"id": t1})
		var me struct{ Viewer struct{ Handle string } }
		o.clients["agentAB"].Must(t, `{ viewer { handle } }`, nil, &me)
		if me.Viewer.Handle != "agentab" {
			t.Fatalf("agentAB's handle = %q", me.Viewer.Handle)
		}

		// The owner marks one, then all, read.
		var marked struct{ MarkNotificationsRead int }
		o.clients["agentAB"].Must(t, `mutation($ids: [ID!]) { markNotificationsRead(ids: $ids) }`, map[string]any{"ids": []string{theirs}}, &marked)
		if marked.MarkNotificationsRead != 1 {
			t.Fatalf("marked %d, want 1", marked.MarkNotificationsRead)
		}
		o.clients["agentAB"].Must(t, `mutation { markNotificationsRead }`, nil, &marked)
		if marked.MarkNotificationsRead != 1 {
			t.Fatalf("marked %d more, want 1", marked.MarkNotificationsRead)
		}
		l := o.notificationsOf(t, "agentAB", map[string]any{"readAtIsNil": false})
		if l.UnreadNotificationCount != 0 || l.Notifications.TotalCount != 2 {
			t.Fatalf("after marking all read: %+v", l)
		}
	})
}

// notificationsLive waits until the notificationAdded subscription id on s
// is live: the subscription starts asynchronously, so the ticket's comment
// mentioning the handle is repeated until a notification arrives.
func (o *org) notificationsLive(t *testing.T, s *gqltest.Socket, id, ticketID, handle string) {
	t.Helper()
	deadline := time.Now().Add(gqltest.Wait)
	for time.Now().Before(deadline) {
		o.commentAs(t, "admin", ticketID, "@"+handle+" are you there?")
		m, ok := s.TryNext(500 * time.Millisecond)
		if !ok {
			continue
		}
		if m.ID != id || m.Type != "next" || containsCode(m.Payload, "FORBIDDEN") {
			t.Fatalf("got %s %s", m.Type, m.Payload)
		}
		return
	}
	t.Fatalf("no notification within %s", gqltest.Wait)
}

// TestNotificationAdded delivers an agent's new notifications over a
// websocket, and nothing of another agent's.
func TestNotificationAdded(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		o := newOrg(t, dial)
		startApp(t, o.app)
		t1 := o.newTicket(t, "A", "", "")
		const sub = `subscription { notificationAdded { id kind ticket { id } recipient { id } } }`
		type added struct {
			NotificationAdded struct {
				ID, Kind  string
				Ticket    struct{ ID string }
				Recipient struct{ ID string }
			}
		}
		s := gqltest.Connect(t, o.url, gqltest.TransportWS, o.clients["agentAB"].Token)
		s.Subscribe(t, "mine", sub, nil)
		other := gqltest.Connect(t, o.url, gqltest.LegacyWS, o.clients["agentA"].Token)
		other.Subscribe(t, "theirs", sub, nil)
		o.notificationsLive(t, s, "mine", t1, "agentab")
		o.update(t, t1, map[string]any{"assigneeID": o.agents["agentAB"]})
		for {
			var d added
			s.Next(t, "mine", &d)
			n := d.NotificationAdded
			if n.Recipient.ID != string(o.agents["agentAB"]) || n.Ticket.ID != t1 {
				t.Fatalf("delivered %+v", n)
			}
			if n.Kind == "ASSIGNED" {
				break
			}
			if n.Kind != "MENTIONED" {
				t.Fatalf("delivered %+v", n)
			}
		}
		if m, ok := other.TryNext(300 * time.Millisecond); ok {
			t.Fatalf("agentA received %s %s", m.Type, m.Payload)
		}
	})
}

// TestNotificationAddedAcrossReplicas subscribes on one App and changes
// the ticket through another on the same PostgreSQL database.
func TestNotificationAddedAcrossReplicas(t *testing.T) {
	o := newOrg(t, dialect.Postgres)
	startApp(t, o.app)
	replicaURL := o.startReplica(t)

	t1 := o.newTicket(t, "A", "", "")
	s := gqltest.Connect(t, replicaURL, gqltest.TransportWS, o.clients["agentAB"].Token)
	s.Subscribe(t, "n", `subscription { notificationAdded { kind ticket { id } } }`, nil)
	o.notificationsLive(t, s, "n", t1, "agentab") // committed through the first App
	o.update(t, t1, map[string]any{"assigneeID": o.agents["agentAB"]})
	for {
		var d struct{ NotificationAdded struct{ Kind string } }
		s.Next(t, "n", &d)
		if d.NotificationAdded.Kind == "ASSIGNED" {
			return
		}
		if d.NotificationAdded.Kind != "MENTIONED" {
			t.Fatalf("delivered %+v", d)
		}
	}
}

// TestNotificationAddedReadsOncePerBatch: the process's notificationAdded
// subscribers share one reader, so a batch of events costs one query
// however many agents are subscribed.
func TestNotificationAddedReadsOncePerBatch(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		db := testdb.Open(t, dial)
		counter := &countingDriver{Driver: entsql.OpenDB(db.Dialect, db.SQL)}
		o := newOrgOn(t, &store.DB{Client: ent.NewClient(ent.Driver(counter)), SQL: db.SQL, Dialect: db.Dialect, DSN: db.DSN})
		startApp(t, o.app)
		tk := o.newTicket(t, "A", "", "")
		// Only the notification's own fields: resolving an edge would
		// cost a query per delivery, which is not what is counted here.
		const sub = `subscription { notificationAdded { id kind } }`
		names := []string{"manager", "leadA", "agentA", "agentAB"}
		sockets := map[string]*gqltest.Socket{}
		var ids []string
		for _, name := range names {
			sockets[name] = gqltest.Connect(t, o.url, gqltest.TransportWS, o.clients[name].Token)
			sockets[name].Subscribe(t, "n", sub, nil)
			ids = append(ids, string(o.agents[name]))
		}
		// Every subscription is following once it receives a mention.
		o.commentAs(t, "admin", tk, "warming up", ids...)
		receive := func(names ...string) {
			t.Helper()
			for _, name := range names {
				var d struct{ NotificationAdded struct{ ID, Kind string } }
				sockets[name].Next(t, "n", &d)
				if d.NotificationAdded.Kind != "MENTIONED" || d.NotificationAdded.ID == "" {
					t.Fatalf("%s received %+v", name, d.NotificationAdded)
				}
			}
		}
		receive(names...)

		before := counter.n.Load()
		o.commentAs(t, "admin", tk, "to all four", ids...)
		receive(names...)
		four := counter.n.Load() - before

		for _, name := range names[1:] {
			sockets[name].Close()
		}
		time.Sleep(200 * time.Millisecond)
		before = counter.n.Load()
		o.commentAs(t, "admin", tk, "to all four again", ids...)
		receive(names[0])
		one := counter.n.Load() - before
		if four > one+1 {
			t.Fatalf("statements for a mention: %d with four subscribers, %d with one: each subscriber reads on its own", four, one)
		}
		t.Logf("statements for a mention: %d with four subscribers, %d with one", four, one)
	})
}
