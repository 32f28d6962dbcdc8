package authz_test

import (
	"context"
	"slices"
	"testing"

	"github.com/casbin/casbin/v2/model"

	"helpdesk/internal/authz"
	"helpdesk/internal/testdb"
)

func TestAdapterStoresPolicy(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, dial string) {
		ctx := context.Background()
		db := testdb.Open(t, dial)
		en, err := authz.New(ctx, db.Client)
		if err != nil {
			t.Fatal(err)
		}
		stored, err := db.Client.AuthzRule.Query().Count(ctx)
		if err != nil || stored != len(authz.DefaultPolicy) {
			t.Fatalf("stored rules after install = %d (%v), want %d", stored, err, len(authz.DefaultPolicy))
		}
		if err := en.SetTeamLead("agt_a", "team_x", true); err != nil {
			t.Fatal(err)
		}
		if err := en.SetTeamLead("agt_a", "team_y", true); err != nil {
			t.Fatal(err)
		}
		// A second enforcer (another replica) loads the same rules and
		// does not install the default policy twice.
		other, err := authz.New(ctx, db.Client)
		if err != nil {
			t.Fatal(err)
		}
		got, err := other.LeadTeams("agt_a")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(sorted(got), []string{"team_x", "team_y"}) {
			t.Fatalf("lead teams seen by a second enforcer = %v", got)
		}
		if n, _ := db.Client.AuthzRule.Query().Count(ctx); n != len(authz.DefaultPolicy)+2 {
			t.Fatalf("stored rules = %d, want %d", n, len(authz.DefaultPolicy)+2)
		}

		a := &authz.Adapter{Client: db.Client}
		if err := a.RemovePolicy("g", "g", []string{"agt_a", authz.RoleLead, "team_x"}); err != nil {
			t.Fatal(err)
		}
		if err := a.AddPolicies("g", "g", [][]string{{"agt_b", authz.RoleLead, "team_x"}, {"agt_c", authz.RoleLead, "team_x"}}); err != nil {
			t.Fatal(err)
		}
		if err := a.RemoveFilteredPolicy("g", "g", 2, "team_x"); err != nil {
			t.Fatal(err)
		}
		m := loadModel(t, a)
		leads, _ := m.GetPolicy("g", "g")
		if len(leads) != 1 || leads[0][0] != "agt_a" || leads[0][2] != "team_y" {
			t.Fatalf("grouping rules after removals = %v, want only agt_a in team_y", leads)
		}

		// SavePolicy replaces everything with the model's rules.
		if err := m.AddPolicy("p", "p", []string{"AGENT", "report", "read", "true"}); err != nil {
			t.Fatal(err)
		}
		if err := a.SavePolicy(m); err != nil {
			t.Fatal(err)
		}
		reloaded := loadModel(t, a)
		policies, _ := reloaded.GetPolicy("p", "p")
		if len(policies) != len(authz.DefaultPolicy)+1 {
			t.Fatalf("policies after save = %d, want %d", len(policies), len(authz.DefaultPolicy)+1)
		}
		if ok, _ := reloaded.HasPolicy("p", "p", []string{"AGENT", "report", "read", "true"}); !ok {
			t.Fatal("saved policy missing after reload")
		}
	})
}

func loadModel(t *testing.T, a *authz.Adapter) model.Model {
	t.Helper()
	m, err := model.NewModelFromString(`
[request_definition]
r = sub, role, dom, obj, act
[policy_definition]
p = sub, obj, act, cond
[role_definition]
g = _, _, _
[policy_effect]
e = some(where (p.eft == allow))
[matchers]
m = r.sub == p.sub`)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.LoadPolicy(m); err != nil {
		t.Fatal(err)
	}
	return m
}

func sorted[T ~string](ids []T) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = string(id)
	}
	slices.Sort(out)
	return out
}
