package server_test

import (
	"slices"
	"testing"
)

type eventResult struct {
	Sequence int
	Kind     string
	Actor    *struct{ Name string }
	Changes  []struct {
		Field string
		From  *string
		To    *string
	}
}

func ticketEvents(t *testing.T, e *env, id string) []eventResult {
	t.Helper()
	var res struct {
		Node struct {
			Events struct {
				Edges []struct{ Node eventResult }
			}
		}
	}
	e.admin.Must(t, `query($id: ID!) { node(id: $id) { ... on Ticket {
		events(first: 100, orderBy: [{field: SEQUENCE}]) { edges { node { sequence kind actor { name } changes { field from to } } } } } } }`,
		map[string]any{"id": id}, &res)
	var out []eventResult
	for _, edge := range res.Node.Events.Edges {
		out = append(out, edge.Node)
	}
	return out
}

func changeOf(ev eventResult, field string) (from, to string, ok bool) {
	for _, c := range ev.Changes {
		if c.Field == field {
			if c.From != nil {
				from = *c.From
			}
			if c.To != nil {
				to = *c.To
			}
			return from, to, true
		}
	}
	return "", "", false
}

func TestUpdateTicketVersionsAndHistory(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, e *env) {
		customer := e.createCustomer(t, "History Customer", "history@example.com")
		tk := e.createTicket(t, map[string]any{"title": "Printer on fire", "channel": "PHONE", "customerID": customer, "priority": "HIGH"})
		if tk.Version != 1 || tk.Status != "UNASSIGNED" {
			t.Fatalf("new ticket: version %d status %s, want 1 UNASSIGNED", tk.Version, tk.Status)
		}
		var viewer struct{ Viewer struct{ ID string } }
		e.admin.Must(t, `{ viewer { id } }`, nil, &viewer)

		const update = `mutation($id: ID!, $in: UpdateTicketInput!) { updateTicket(id: $id, input: $in) { version status title priority assignee { id } tags { name } } }`
		var upd struct {
			UpdateTicket struct {
				Version  int
				Status   string
				Title    string
				Priority string
				Assignee *struct{ ID string }
				Tags     []struct{ Name string }
			}
		}
		e.admin.Must(t, update, map[string]any{"id": tk.ID, "in": map[string]any{
			"expectedVersion": 1, "priority": "URGENT", "assigneeID": viewer.Viewer.ID, "addTags": []string{"Fire", "hardware"},
		}}, &upd)
		if upd.UpdateTicket.Version != 2 || upd.UpdateTicket.Status != "OPEN" || upd.UpdateTicket.Priority != "URGENT" ||
			upd.UpdateTicket.Assignee == nil || len(upd.UpdateTicket.Tags) != 2 {
			t.Fatalf("after update: %+v", upd.UpdateTicket)
		}

		// A writer who still holds version 1 is refused and changes nothing.
		e.admin.MustFail(t, "CONFLICT", update, map[string]any{"id": tk.ID, "in": map[string]any{
			"expectedVersion": 1, "title": "Stale title",
		}})
		var after struct {
			Node struct {
				Title   string
				Version int
			}
		}
		e.admin.Must(t, `query($id: ID!) { node(id: $id) { ... on Ticket { title version } } }`, map[string]any{"id": tk.ID}, &after)
		if after.Node.Title != "Printer on fire" || after.Node.Version != 2 {
			t.Fatalf("stale write changed the ticket: %+v", after.Node)
		}

		var status struct {
			SetTicketStatus struct {
				Status  string
				Version int
			}
		}
		e.admin.Must(t, `mutation($id: ID!) { setTicketStatus(id: $id, status: IN_PROGRESS, expectedVersion: 2) { status version } }`,
			map[string]any{"id": tk.ID}, &status)
		if status.SetTicketStatus.Status != "IN_PROGRESS" || status.SetTicketStatus.Version != 3 {
			t.Fatalf("setTicketStatus = %+v", status.SetTicketStatus)
		}
		e.admin.MustFail(t, "BAD_USER_INPUT", `mutation($id: ID!) { setTicketStatus(id: $id, status: CLOSED) { status } }`,
			map[string]any{"id": tk.ID})

		var comment struct {
			AddComment struct {
				ID         string
				Visibility string
			}
		}
		e.admin.Must(t, `mutation($in: AddCommentInput!) { addComment(input: $in) { id visibility } }`,
			map[string]any{"in": map[string]any{"ticketID": tk.ID, "body": "Checking with the vendor.", "visibility": "INTERNAL"}}, &comment)
		if comment.AddComment.Visibility != "INTERNAL" {
			t.Fatalf("comment visibility = %s", comment.AddComment.Visibility)
		}

		events := ticketEvents(t, e, tk.ID)
		kinds := []string{}
		for _, ev := range events {
			kinds = append(kinds, ev.Kind)
			if ev.Actor == nil || ev.Actor.Name != "Ada Admin" {
				t.Errorf("event %d (%s) actor = %+v, want Ada Admin", ev.Sequence, ev.Kind, ev.Actor)
			}
		}
		// The kind says what happened: the first update assigned the
		// ticket (and opened it), the second moved only its status.
		if want := []string{"CREATED", "ASSIGNED", "STATUS_CHANGED", "COMMENTED"}; !slices.Equal(kinds, want) {
			t.Fatalf("event kinds = %v, want %v", kinds, want)
		}
		for i := 1; i < len(events); i++ {
			if events[i].Sequence <= events[i-1].Sequence {
				t.Fatalf("sequences not increasing: %d then %d", events[i-1].Sequence, events[i].Sequence)
			}
		}
		for _, want := range []struct{ field, from, to string }{
			{"priority", "HIGH", "URGENT"},
			{"status", "UNASSIGNED", "OPEN"},
			{"assignee", "", viewer.Viewer.ID},
			{"tags", "", "fire,hardware"},
		} {
			from, to, ok := changeOf(events[1], want.field)
			if !ok || from != want.from || to != want.to {
				t.Errorf("update event %s: %q → %q (present %v), want %q → %q", want.field, from, to, ok, want.from, want.to)
			}
		}
		if from, to, _ := changeOf(events[2], "status"); from != "OPEN" || to != "IN_PROGRESS" {
			t.Errorf("status event: %q → %q", from, to)
		}
		if _, to, _ := changeOf(events[3], "comment"); to != comment.AddComment.ID {
			t.Errorf("comment event names %q, want %q", to, comment.AddComment.ID)
		}
	})
}
