package server_test

import (
	"testing"

	"helpdesk/internal/gqltest"
)

func TestAuthentication(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, e *env) {
		e.anon.MustFail(t, "UNAUTHENTICATED", `{ tickets(first: 1) { totalCount } }`, nil)
		e.anon.MustFail(t, "UNAUTHENTICATED", `mutation { createCustomer(input: {name: "x"}) { id } }`, nil)
		forged := &gqltest.Client{URL: e.anon.URL, Token: e.admin.Token + "x"}
		forged.MustFail(t, "UNAUTHENTICATED", `{ viewer { id } }`, nil)

		e.anon.MustFail(t, "UNAUTHENTICATED", `mutation { login(email: "ada@example.com", password: "wrong-password") { token } }`, nil)
		e.anon.MustFail(t, "UNAUTHENTICATED", `mutation { login(email: "nobody@example.com", password: "whatever1") { token } }`, nil)

		var v struct {
			Viewer struct {
				Name  string
				Email string
				Role  string
			}
		}
		e.admin.Must(t, `{ viewer { name email role } }`, nil, &v)
		if v.Viewer.Email != "ada@example.com" || v.Viewer.Role != "ADMIN" {
			t.Fatalf("viewer = %+v", v.Viewer)
		}

		// createdBy records who made a ticket and a comment.
		customer := e.createCustomer(t, "Auth Customer", "auth@example.com")
		tk := e.createTicket(t, map[string]any{"title": "Who made me", "channel": "EMAIL", "customerID": customer})
		var res struct {
			Node struct{ CreatedBy struct{ Email string } }
		}
		e.admin.Must(t, `query($id: ID!) { node(id: $id) { ... on Ticket { createdBy { email } } } }`, map[string]any{"id": tk.ID}, &res)
		if res.Node.CreatedBy.Email != "ada@example.com" {
			t.Fatalf("createdBy = %q", res.Node.CreatedBy.Email)
		}

		// A deactivated agent's token stops working at once.
		var created struct{ CreateAgent struct{ ID string } }
		e.admin.Must(t, `mutation { createAgent(input: {name: "Temp", email: "temp@example.com", password: "temp-password"}) { id } }`, nil, &created)
		var login struct{ Login struct{ Token string } }
		e.anon.Must(t, `mutation { login(email: "temp@example.com", password: "temp-password") { token } }`, nil, &login)
		temp := &gqltest.Client{URL: e.anon.URL, Token: login.Login.Token}
		temp.Must(t, `{ viewer { id } }`, nil, nil)
		e.admin.Must(t, `mutation($id: ID!) { updateAgent(id: $id, input: {active: false}) { id } }`, map[string]any{"id": created.CreateAgent.ID}, nil)
		temp.MustFail(t, "UNAUTHENTICATED", `{ viewer { id } }`, nil)
	})
}

func TestNodeResolvesEveryType(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, e *env) {
		customer := e.createCustomer(t, "Node Customer", "node@example.com")
		category := e.createCategory(t, "Nodes", "")
		var team struct{ CreateTeam struct{ ID string } }
		e.admin.Must(t, `mutation { createTeam(input: {name: "Node Team"}) { id } }`, nil, &team)
		var cal struct{ CreateBusinessCalendar struct{ ID string } }
		e.admin.Must(t, `mutation { createBusinessCalendar(input: {name: "Office", timezone: "Asia/Ho_Chi_Minh",
			weeklyHours: [{weekday: "MONDAY", start: "08:00", end: "17:00"}]}) { id } }`, nil, &cal)
		var sla struct{ CreateSLAPolicy struct{ ID string } }
		e.admin.Must(t, `mutation($cal: ID!) { createSLAPolicy(input: {name: "Std", calendarID: $cal,
			targets: [{priority: URGENT, firstResponseMinutes: 30, resolutionMinutes: 240}]}) { id } }`,
			map[string]any{"cal": cal.CreateBusinessCalendar.ID}, &sla)
		var viewer struct{ Viewer struct{ ID string } }
		e.admin.Must(t, `{ viewer { id } }`, nil, &viewer)
		var member struct {
			AddTeamMember struct{ Members []struct{ ID string } }
		}
		e.admin.Must(t, `mutation($t: ID!, $a: ID!) { addTeamMember(teamID: $t, agentID: $a) { members { id } } }`,
			map[string]any{"t": team.CreateTeam.ID, "a": viewer.Viewer.ID}, &member)
		tk := e.createTicket(t, map[string]any{"title": "Node", "channel": "EMAIL", "customerID": customer, "tags": []string{"nodes"}})
		var comment struct{ AddComment struct{ ID string } }
		e.admin.Must(t, `mutation($t: ID!) { addComment(input: {ticketID: $t, body: "hi"}) { id } }`, map[string]any{"t": tk.ID}, &comment)
		var tag struct {
			Tags struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		e.admin.Must(t, `{ tags(first: 1) { edges { node { id } } } }`, nil, &tag)
		events := ticketEvents(t, e, tk.ID)
		var eventID struct {
			Node struct {
				Events struct {
					Edges []struct{ Node struct{ ID string } }
				}
			}
		}
		e.admin.Must(t, `query($id: ID!) { node(id: $id) { ... on Ticket { events(first: 1) { edges { node { id } } } } } }`, map[string]any{"id": tk.ID}, &eventID)
		if len(events) == 0 {
			t.Fatal("no events")
		}

		want := map[string]string{
			customer:                             "Customer",
			category:                             "Category",
			team.CreateTeam.ID:                   "Team",
			cal.CreateBusinessCalendar.ID:        "BusinessCalendar",
			sla.CreateSLAPolicy.ID:               "SLAPolicy",
			viewer.Viewer.ID:                     "Agent",
			member.AddTeamMember.Members[0].ID:   "TeamMembership",
			tk.ID:                                "Ticket",
			comment.AddComment.ID:                "Comment",
			tag.Tags.Edges[0].Node.ID:            "Tag",
			eventID.Node.Events.Edges[0].Node.ID: "TicketEvent",
		}
		var ids []string
		for id, typ := range want {
			var res struct {
				Node struct {
					Typename string `json:"__typename"`
					ID       string
				}
			}
			e.admin.Must(t, `query($id: ID!) { node(id: $id) { __typename id } }`, map[string]any{"id": id}, &res)
			if res.Node.Typename != typ || res.Node.ID != id {
				t.Errorf("node(%s) = %+v, want %s", id, res.Node, typ)
			}
			ids = append(ids, id)
		}
		var many struct {
			Nodes []struct {
				ID string
			}
		}
		e.admin.Must(t, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": ids}, &many)
		for i, n := range many.Nodes {
			if n.ID != ids[i] {
				t.Errorf("nodes[%d] = %s, want %s", i, n.ID, ids[i])
			}
		}
		e.admin.MustFail(t, "NOT_FOUND", `{ node(id: "tkt_01JD00000000000000000000AB") { id } }`, nil)
		e.admin.MustFail(t, "NOT_FOUND", `{ node(id: "garbage") { id } }`, nil)
	})
}
