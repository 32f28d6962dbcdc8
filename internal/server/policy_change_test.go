package server_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"helpdesk/internal/gqltest"
	"helpdesk/internal/server"
	"helpdesk/internal/store"
	"helpdesk/internal/testdb"
)

// TestPolicyChangesApplyAtOnce grants and revokes roles through the API
// and checks that the next request sees the change.
func TestPolicyChangesApplyAtOnce(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
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

// TestPolicyChangeReachesOtherReplicas runs two Apps on one PostgreSQL
// database: a team lead granted through one is honoured by the other.
func TestPolicyChangeReachesOtherReplicas(t *testing.T) {
	o := newOrg(t, dialect.Postgres)
	second, err := store.Open(t.Context(), o.app.DB.DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { second.Close() })
	replica, err := server.NewApp(t.Context(), second, server.Options{TokenKey: testTokenKey, PasswordCost: testPasswordCost})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(replica.Close)
	srv := httptest.NewServer(replica.Handler)
	t.Cleanup(srv.Close)

	assigned := o.newTicket(t, "B", "agentAB", "")
	loner := &gqltest.Client{URL: srv.URL + "/graphql", Token: o.clients["loner"].Token}
	visible := func() bool {
		res := loner.Post(t, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": assigned})
		return len(res.Errors) == 0
	}
	if visible() {
		t.Fatal("ticket visible before the grant")
	}
	vars := map[string]any{"t": o.teams["B"], "a": o.agents["loner"]}
	o.clients["admin"].Must(t, `mutation($t: ID!, $a: ID!) { addTeamMember(teamID: $t, agentID: $a) { id } }`, vars, nil)
	o.clients["admin"].Must(t, `mutation($t: ID!, $a: ID!) { setTeamLead(teamID: $t, agentID: $a) { id } }`, vars, nil)
	deadline := time.Now().Add(10 * time.Second)
	for !visible() {
		if time.Now().After(deadline) {
			t.Fatal("the other replica did not apply the new team lead within 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	o.clients["admin"].Must(t, `mutation($t: ID!, $a: ID!) { setTeamLead(teamID: $t, agentID: $a, lead: false) { id } }`, vars, nil)
	for visible() {
		if time.Now().After(deadline) {
			t.Fatal("the other replica did not apply the revoked team lead within 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
