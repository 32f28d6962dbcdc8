package server_test

import (
	"fmt"
	"testing"

	"helpdesk/ent/ticket"
	"helpdesk/internal/directory"
	"helpdesk/internal/gid"
	"helpdesk/internal/testdb"
	"helpdesk/internal/ticketing"
)

// newTicket creates a ticket in the named team ("" for none), assigned to
// the named agent ("" for nobody), watched by watcher ("" for nobody).
func (o *org) newTicket(t *testing.T, team, assignee, watcher string) string {
	t.Helper()
	cus := o.customer(t)
	in := ticketing.CreateTicketInput{Title: "Fixture", Channel: ticket.ChannelWEB, CustomerID: &cus}
	if team != "" {
		id := o.teams[team]
		in.TeamID = &id
	}
	if assignee != "" {
		id := o.agents[assignee]
		in.AssigneeID = &id
	}
	if watcher != "" {
		in.WatcherIDs = []gid.ID{o.agents[watcher]}
	}
	tk, err := o.app.Tickets.CreateTicket(sys(), in)
	if err != nil {
		t.Fatal(err)
	}
	return string(tk.ID)
}

// customer returns the organisation's customer, creating it once.
func (o *org) customer(t *testing.T) gid.ID {
	t.Helper()
	if id, err := o.app.DB.Client.Customer.Query().FirstID(sys()); err == nil {
		return id
	}
	c, err := o.app.Directory.CreateCustomer(sys(), directoryCustomer("matrix@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// TestRoleMatrix runs every mutation as every kind of viewer and checks
// the expected allow ("") or refusal code.
func TestRoleMatrix(t *testing.T) {
	t.Parallel()
	type call struct {
		query string
		vars  map[string]any
	}
	cases := []struct {
		name string
		make func(t *testing.T, o *org, n int) call
		want map[string]string // viewer → "" (allowed) or error code
	}{
		{"createCustomer", func(t *testing.T, o *org, n int) call {
			return call{`mutation($e: String!) { createCustomer(input: {name: "C", email: $e}) { id } }`, map[string]any{"e": fmt.Sprintf("c%d@example.com", n)}}
		}, map[string]string{"admin": "", "manager": "", "leadA": "", "agentA": ""}},
		{"createTicket", func(t *testing.T, o *org, n int) call {
			return call{`mutation($c: ID!) { createTicket(input: {title: "T", channel: WEB, customerID: $c}) { id } }`, map[string]any{"c": o.customer(t)}}
		}, map[string]string{"admin": "", "manager": "", "leadA": "", "agentA": ""}},
		{"updateTicket unassigned in own team", func(t *testing.T, o *org, n int) call {
			return call{`mutation($id: ID!) { updateTicket(id: $id, input: {title: "new"}) { id } }`, map[string]any{"id": o.newTicket(t, "A", "", "")}}
		}, map[string]string{"admin": "", "manager": "", "leadA": "", "agentA": ""}},
		{"updateTicket of another team", func(t *testing.T, o *org, n int) call {
			return call{`mutation($id: ID!) { updateTicket(id: $id, input: {title: "new"}) { id } }`, map[string]any{"id": o.newTicket(t, "B", "", "")}}
		}, map[string]string{"admin": "", "manager": "", "leadA": "NOT_FOUND", "agentA": "NOT_FOUND"}},
		{"updateTicket assigned to a teammate", func(t *testing.T, o *org, n int) call {
			return call{`mutation($id: ID!) { updateTicket(id: $id, input: {title: "new"}) { id } }`, map[string]any{"id": o.newTicket(t, "A", "agentAB", "")}}
		}, map[string]string{"admin": "", "manager": "", "leadA": "", "agentA": "NOT_FOUND"}},
		{"updateTicket only watched", func(t *testing.T, o *org, n int) call {
			return call{`mutation($id: ID!) { updateTicket(id: $id, input: {title: "new"}) { id } }`, map[string]any{"id": o.newTicket(t, "B", "agentAB", "agentA")}}
		}, map[string]string{"admin": "", "manager": "", "leadA": "NOT_FOUND", "agentA": "FORBIDDEN"}},
		{"addComment on a watched ticket", func(t *testing.T, o *org, n int) call {
			return call{`mutation($id: ID!) { addComment(input: {ticketID: $id, body: "hi", visibility: INTERNAL}) { id } }`, map[string]any{"id": o.newTicket(t, "B", "agentAB", "agentA")}}
		}, map[string]string{"admin": "", "manager": "", "leadA": "NOT_FOUND", "agentA": ""}},
		{"assign within the team", func(t *testing.T, o *org, n int) call {
			return call{`mutation($id: ID!, $a: ID!) { updateTicket(id: $id, input: {assigneeID: $a}) { id } }`,
				map[string]any{"id": o.newTicket(t, "A", "", ""), "a": o.agents["agentAB"]}}
		}, map[string]string{"admin": "", "manager": "", "leadA": "", "agentA": ""}},
		{"assign outside the team", func(t *testing.T, o *org, n int) call {
			return call{`mutation($id: ID!, $a: ID!) { updateTicket(id: $id, input: {assigneeID: $a}) { id } }`,
				map[string]any{"id": o.newTicket(t, "A", "", ""), "a": o.agents["agentC"]}}
		}, map[string]string{"admin": "", "manager": "", "leadA": "FORBIDDEN", "agentA": "FORBIDDEN"}},
		{"setTicketStatus on own ticket", func(t *testing.T, o *org, n int) call {
			return call{`mutation($id: ID!) { setTicketStatus(id: $id, status: IN_PROGRESS) { id } }`, map[string]any{"id": o.newTicket(t, "A", "agentA", "")}}
		}, map[string]string{"admin": "", "manager": "", "leadA": "", "agentA": ""}},
		{"updateCustomer", func(t *testing.T, o *org, n int) call {
			return call{`mutation($id: ID!) { updateCustomer(id: $id, input: {notes: "vip"}) { id } }`, map[string]any{"id": o.customer(t)}}
		}, map[string]string{"admin": "", "manager": "", "leadA": "", "agentA": ""}},
		{"setTicketStatus on a teammate's ticket", func(t *testing.T, o *org, n int) call {
			return call{`mutation($id: ID!) { setTicketStatus(id: $id, status: IN_PROGRESS) { id } }`, map[string]any{"id": o.newTicket(t, "A", "agentAB", "agentA")}}
		}, map[string]string{"admin": "", "manager": "", "leadA": "", "agentA": "FORBIDDEN"}},
		{"recomputeTicketTimes", func(t *testing.T, o *org, n int) call {
			return call{`mutation($id: ID!) { recomputeTicketTimes(id: $id) { id } }`, map[string]any{"id": o.newTicket(t, "A", "agentA", "")}}
		}, map[string]string{"admin": "", "manager": "FORBIDDEN", "leadA": "FORBIDDEN", "agentA": "FORBIDDEN"}},
		{"updateTeam", func(t *testing.T, o *org, n int) call {
			return call{`mutation($id: ID!) { updateTeam(id: $id, input: {description: "x"}) { id } }`, map[string]any{"id": o.teams["C"]}}
		}, map[string]string{"admin": "", "manager": "FORBIDDEN", "leadA": "FORBIDDEN", "agentA": "FORBIDDEN"}},
		{"setTeamMemberPriority", func(t *testing.T, o *org, n int) call {
			return call{`mutation($t: ID!, $a: ID!) { setTeamMemberPriority(teamID: $t, agentID: $a, priority: 1) { id } }`, map[string]any{"t": o.teams["A"], "a": o.agents["agentAB"]}}
		}, map[string]string{"admin": "", "manager": "FORBIDDEN", "leadA": "FORBIDDEN", "agentA": "FORBIDDEN"}},
		{"removeTeamMember", func(t *testing.T, o *org, n int) call {
			var member struct{ CreateAgent struct{ ID string } }
			o.clients["admin"].Must(t, `mutation($e: String!) { createAgent(input: {name: "Temp", email: $e, password: "temp-password"}) { id } }`,
				map[string]any{"e": fmt.Sprintf("temp%d@example.com", n)}, &member)
			o.clients["admin"].Must(t, `mutation($t: ID!, $a: ID!) { addTeamMember(teamID: $t, agentID: $a) { id } }`,
				map[string]any{"t": o.teams["C"], "a": member.CreateAgent.ID}, nil)
			return call{`mutation($t: ID!, $a: ID!) { removeTeamMember(teamID: $t, agentID: $a) { id } }`, map[string]any{"t": o.teams["C"], "a": member.CreateAgent.ID}}
		}, map[string]string{"admin": "", "manager": "FORBIDDEN", "leadA": "FORBIDDEN", "agentA": "FORBIDDEN"}},
		{"updateCategory", func(t *testing.T, o *org, n int) call {
			var cat struct{ CreateCategory struct{ ID string } }
			o.clients["admin"].Must(t, `mutation($n: String!) { createCategory(input: {name: $n}) { id } }`, map[string]any{"n": fmt.Sprintf("Upd %d", n)}, &cat)
			return call{`mutation($id: ID!) { updateCategory(id: $id, input: {description: "x"}) { id } }`, map[string]any{"id": cat.CreateCategory.ID}}
		}, map[string]string{"admin": "", "manager": "FORBIDDEN", "leadA": "FORBIDDEN", "agentA": "FORBIDDEN"}},
		{"createBusinessCalendar", func(t *testing.T, o *org, n int) call {
			return call{`mutation($n: String!) { createBusinessCalendar(input: {name: $n, timezone: "UTC", weeklyHours: []}) { id } }`, map[string]any{"n": fmt.Sprintf("Cal %d", n)}}
		}, map[string]string{"admin": "", "manager": "FORBIDDEN", "leadA": "FORBIDDEN", "agentA": "FORBIDDEN"}},
		{"updateAgent", func(t *testing.T, o *org, n int) call {
			return call{`mutation($a: ID!) { updateAgent(id: $a, input: {capacity: 7}) { id } }`, map[string]any{"a": o.agents["loner"]}}
		}, map[string]string{"admin": "", "manager": "FORBIDDEN", "leadA": "FORBIDDEN", "agentA": "FORBIDDEN"}},
		{"revokeRole", func(t *testing.T, o *org, n int) call {
			return call{`mutation($a: ID!) { revokeRole(agentID: $a, role: MANAGER) { id } }`, map[string]any{"a": o.agents["loner"]}}
		}, map[string]string{"admin": "", "manager": "FORBIDDEN", "leadA": "FORBIDDEN", "agentA": "FORBIDDEN"}},
		{"createAPIToken", func(t *testing.T, o *org, n int) call {
			return call{`mutation { createAPIToken(input: {name: "t", scopes: [TICKETS_READ]}) { token } }`, nil}
		}, map[string]string{"admin": "", "manager": "FORBIDDEN", "leadA": "FORBIDDEN", "agentA": "FORBIDDEN"}},
		{"revokeAPIToken", func(t *testing.T, o *org, n int) call {
			_, id := o.apiToken(t, map[string]any{"name": "r", "scopes": []string{"TICKETS_READ"}})
			return call{`mutation($id: ID!) { revokeAPIToken(id: $id) { id } }`, map[string]any{"id": id}}
		}, map[string]string{"admin": "", "manager": "FORBIDDEN", "leadA": "FORBIDDEN", "agentA": "FORBIDDEN"}},
		{"createTeam", func(t *testing.T, o *org, n int) call {
			return call{`mutation($n: String!) { createTeam(input: {name: $n}) { id } }`, map[string]any{"n": fmt.Sprintf("Team %d", n)}}
		}, map[string]string{"admin": "", "manager": "FORBIDDEN", "leadA": "FORBIDDEN", "agentA": "FORBIDDEN"}},
		{"addTeamMember", func(t *testing.T, o *org, n int) call {
			return call{`mutation($t: ID!, $a: ID!) { addTeamMember(teamID: $t, agentID: $a) { id } }`, map[string]any{"t": o.teams["C"], "a": o.agents["loner"]}}
		}, map[string]string{"admin": "", "manager": "FORBIDDEN", "leadA": "FORBIDDEN", "agentA": "FORBIDDEN"}},
		{"createCategory", func(t *testing.T, o *org, n int) call {
			return call{`mutation($n: String!) { createCategory(input: {name: $n}) { id } }`, map[string]any{"n": fmt.Sprintf("Cat %d", n)}}
		}, map[string]string{"admin": "", "manager": "FORBIDDEN", "leadA": "FORBIDDEN", "agentA": "FORBIDDEN"}},
		{"createSLAPolicy", func(t *testing.T, o *org, n int) call {
			return call{`mutation($n: String!) { createSLAPolicy(input: {name: $n, targets: [{priority: HIGH, resolutionMinutes: 60}]}) { id } }`, map[string]any{"n": fmt.Sprintf("SLA %d", n)}}
		}, map[string]string{"admin": "", "manager": "FORBIDDEN", "leadA": "FORBIDDEN", "agentA": "FORBIDDEN"}},
		{"createAgent", func(t *testing.T, o *org, n int) call {
			return call{`mutation($e: String!) { createAgent(input: {name: "New", email: $e, password: "new-password"}) { id } }`, map[string]any{"e": fmt.Sprintf("new%d@example.com", n)}}
		}, map[string]string{"admin": "", "manager": "FORBIDDEN", "leadA": "FORBIDDEN", "agentA": "FORBIDDEN"}},
		{"grantRole", func(t *testing.T, o *org, n int) call {
			return call{`mutation($a: ID!) { grantRole(agentID: $a, role: MANAGER) { id } }`, map[string]any{"a": o.agents["loner"]}}
		}, map[string]string{"admin": "", "manager": "FORBIDDEN", "leadA": "FORBIDDEN", "agentA": "FORBIDDEN"}},
		{"setTeamLead", func(t *testing.T, o *org, n int) call {
			return call{`mutation($t: ID!, $a: ID!) { setTeamLead(teamID: $t, agentID: $a) { id } }`, map[string]any{"t": o.teams["C"], "a": o.agents["agentC"]}}
		}, map[string]string{"admin": "", "manager": "FORBIDDEN", "leadA": "FORBIDDEN", "agentA": "FORBIDDEN"}},
		{"setAvailability of another agent", func(t *testing.T, o *org, n int) call {
			return call{`mutation($a: ID!) { setAvailability(availability: ONLINE, agentID: $a) { id } }`, map[string]any{"a": o.agents["loner"]}}
		}, map[string]string{"admin": "", "manager": "FORBIDDEN", "leadA": "FORBIDDEN", "agentA": "FORBIDDEN"}},
		{"setAvailability of oneself", func(t *testing.T, o *org, n int) call {
			return call{`mutation { setAvailability(availability: AWAY) { id } }`, nil}
		}, map[string]string{"admin": "", "manager": "", "leadA": "", "agentA": ""}},
		{"signOutEverywhere of another agent", func(t *testing.T, o *org, n int) call {
			return call{`mutation($a: ID!) { signOutEverywhere(agentID: $a) { id } }`, map[string]any{"a": o.agents["loner"]}}
		}, map[string]string{"admin": "", "manager": "FORBIDDEN", "leadA": "FORBIDDEN", "agentA": "FORBIDDEN"}},
		// Last: it ends the viewers' own tokens.
		{"signOutEverywhere of oneself", func(t *testing.T, o *org, n int) call {
			return call{`mutation { signOutEverywhere { id } }`, nil}
		}, map[string]string{"admin": "", "manager": "", "leadA": "", "agentA": ""}},
	}
	testdb.ForEach(t, func(t *testing.T, dial string) {
		// One organisation serves every case: each case makes its own
		// fixtures, and no case changes the four viewers' roles or teams.
		o := newOrg(t, dial)
		n := 0
		for _, tc := range cases {
			for _, viewer := range []string{"admin", "manager", "leadA", "agentA"} {
				t.Run(tc.name+"/"+viewer, func(t *testing.T) {
					n++
					c := tc.make(t, o, n)
					want := tc.want[viewer]
					if want == "" {
						o.clients[viewer].Must(t, c.query, c.vars, nil)
						return
					}
					o.clients[viewer].MustFail(t, want, c.query, c.vars)
				})
			}
		}
	})
}

func directoryCustomer(email string) directory.CreateCustomerInput {
	return directory.CreateCustomerInput{Name: "Matrix", Email: &email}
}
