package server_test

import (
	"testing"

	"helpdesk/internal/testdb"
)

// TestPolicyChangesApplyAtOnce grants and revokes roles through the API
// and checks that the next request sees the change.
func TestPolicyChangesApplyAtOnce(t *testing.T) {
	for _, dial := range testdb.Dialects {
		t.Run(dial, func(t *testing.T) {
			o := newOrg(t, dial)
			assigned := o.newTicket(t, "B", "agentAB", "")
			loner, admin := o.clients["loner"], o.clients["admin"]
			visible := func() bool {
				t.Helper()
				res := loner.Post(t, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": assigned})
				if len(res.Errors) > 0 && res.Errors[0].Code() != "NOT_FOUND" {
					t.Fatalf("unexpected error: %s", res.Errors[0].Message)
				}
				return len(res.Errors) == 0
			}
			vars := map[string]any{"t": o.teams["B"], "a": o.agents["loner"]}

			if visible() {
				t.Fatal("an agent outside the team sees a teammate's ticket")
			}
			admin.MustFail(t, "BAD_USER_INPUT", `mutation($t: ID!, $a: ID!) { setTeamLead(teamID: $t, agentID: $a) { id } }`, vars)
			admin.Must(t, `mutation($t: ID!, $a: ID!) { addTeamMember(teamID: $t, agentID: $a) { id } }`, vars, nil)
			if visible() {
				t.Fatal("a plain member sees a ticket assigned to someone else")
			}
			admin.Must(t, `mutation($t: ID!, $a: ID!) { setTeamLead(teamID: $t, agentID: $a) { id } }`, vars, nil)
			if !visible() {
				t.Fatal("a new team lead does not see the team's tickets")
			}
			var roles struct {
				RoleAssignments []struct {
					Agent struct{ ID string }
					Role  string
					Team  *struct{ ID string }
				}
			}
			admin.Must(t, `{ roleAssignments { agent { id } role team { id } } }`, nil, &roles)
			found := false
			for _, r := range roles.RoleAssignments {
				if r.Agent.ID == string(o.agents["loner"]) && r.Role == "LEAD" && r.Team != nil && r.Team.ID == string(o.teams["B"]) {
					found = true
				}
			}
			if !found {
				t.Fatalf("roleAssignments does not list the new lead: %+v", roles.RoleAssignments)
			}
			admin.Must(t, `mutation($t: ID!, $a: ID!) { setTeamLead(teamID: $t, agentID: $a, lead: false) { id } }`, vars, nil)
			if visible() {
				t.Fatal("a former team lead still sees the team's tickets")
			}

			admin.Must(t, `mutation($a: ID!) { grantRole(agentID: $a, role: MANAGER) { id } }`, vars, nil)
			if !visible() {
				t.Fatal("a new manager does not see every ticket")
			}
			admin.Must(t, `mutation($a: ID!) { revokeRole(agentID: $a, role: MANAGER) { role } }`, vars, nil)
			if visible() {
				t.Fatal("a former manager still sees every ticket")
			}
			o.clients["manager"].MustFail(t, "FORBIDDEN", `{ roleAssignments { role } }`, nil)
		})
	}
}
