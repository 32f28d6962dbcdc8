package authz

import (
	"context"
	"strings"
	"testing"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"

	"helpdesk/ent/agent"
	"helpdesk/internal/auth"
	"helpdesk/internal/testdb"
)

// TestCondDecidesAsEval compares the model with cond against the same
// model with Casbin's eval(p.cond) on every combination of request and
// a policy that includes the default rules and unusual conditions (empty,
// unparseable, naming other tokens, calling g or a built-in function): the
// decisions and the errors must be the same, and reloading the policy
// must keep cond working.
func TestCondDecidesAsEval(t *testing.T) {
	evalModel := strings.Replace(modelText, "cond(p.cond, r.sub, r.role, r.dom, r.obj, r.act, p.sub, p.obj, p.act)", "eval(p.cond)", 1)
	if evalModel == modelText {
		t.Fatal("model.conf does not call cond as expected")
	}
	policy := append([][]string{}, DefaultPolicy...)
	policy = append(policy,
		[]string{"EMPTY", ObjTicket, ActRead, ""},
		[]string{"BROKEN", ObjTicket, ActRead, "r.obj.Assigned &&"},
		[]string{"UNKNOWN", ObjTicket, ActRead, "r.obj.NoSuchField"},
		[]string{"NAMES", ObjTicket, "*", "r.dom == 'team_x' && r.sub == 'agt_a' && r.act == 'write' && p.act == '*' && p.sub == 'NAMES' && r.role == 'NAMES' && p.obj == 'ticket'"},
		[]string{"LINKED", ObjTicket, ActRead, "g(r.sub, 'LEAD', r.dom) || keyMatch(r.act, 'comm*')"},
		[]string{"LINKED", ObjTicket, ActComment, "keyMatch(r.act, 'comm*')"},
		[]string{"NUMBER", ObjTicket, ActRead, "1"},
	)
	newEnforcer := func(text string) *casbin.SyncedEnforcer {
		m, err := model.NewModelFromString(text)
		if err != nil {
			t.Fatal(err)
		}
		e, err := casbin.NewSyncedEnforcer(m)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.AddPolicies(policy); err != nil {
			t.Fatal(err)
		}
		if _, err := e.AddGroupingPolicy("agt_lead", RoleLead, "team_x"); err != nil {
			t.Fatal(err)
		}
		return e
	}
	old := newEnforcer(evalModel)
	cur := newEnforcer(modelText)
	newConditions(cur).install()

	roles := []string{"ADMIN", "MANAGER", "AGENT", RoleCustomer, "TICKETS_READ", "EMPTY", "BROKEN", "UNKNOWN", "NAMES", "LINKED", "NUMBER", "NOBODY"}
	subs := []string{"agt_a", "agt_lead"}
	doms := []string{"team_x", "team_y"}
	acts := []string{ActRead, ActWrite, ActComment, ActReassign}
	objs := []string{ObjTicket, ObjConfig}
	compare := func(t *testing.T) {
		t.Helper()
		n, allowed, failed := 0, 0, 0
		for _, role := range roles {
			for _, sub := range subs {
				for _, dom := range doms {
					for _, act := range acts {
						for _, typ := range objs {
							// 16 of the 256 combinations of attributes,
							// spread over all of them.
							for i := 0; i < 16; i++ {
								bits := i * 67 % 256
								obj := Resource{Type: typ,
									Assigned: bits&1 != 0, Unassigned: bits&2 != 0, InMyTeam: bits&4 != 0, Watching: bits&8 != 0,
									Mentioned: bits&16 != 0, TargetInTeam: bits&32 != 0, Own: bits&64 != 0, Internal: bits&128 != 0}
								want, wantErr := old.Enforce(sub, role, dom, obj, act)
								got, gotErr := cur.Enforce(sub, role, dom, obj, act)
								if got != want || (gotErr == nil) != (wantErr == nil) {
									t.Fatalf("Enforce(%q, %q, %q, %+v, %q) = %v, %v; eval(p.cond) decides %v, %v", sub, role, dom, obj, act, got, gotErr, want, wantErr)
								}
								n++
								if got {
									allowed++
								}
								if gotErr != nil {
									failed++
								}
							}
						}
					}
				}
			}
		}
		// Both outcomes and errors were exercised.
		if allowed == 0 || allowed == n || failed == 0 {
			t.Fatalf("%d requests: %d allowed, %d errors", n, allowed, failed)
		}
	}
	compare(t)

	// A role change and a reload (what the watcher does) keep cond.
	for _, e := range []*casbin.SyncedEnforcer{old, cur} {
		if _, err := e.RemoveGroupingPolicy("agt_lead", RoleLead, "team_x"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.AddGroupingPolicy("agt_a", RoleLead, "team_y"); err != nil {
			t.Fatal(err)
		}
	}
	compare(t)
	if ok, err := cur.Enforce("agt_a", "AGENT", "team_y", Resource{Type: ObjTicket}, ActWrite); err != nil || !ok {
		t.Fatalf("a new lead's write = %v, %v; want allowed", ok, err)
	}
	if ok, err := cur.Enforce("agt_lead", "AGENT", "team_x", Resource{Type: ObjTicket}, ActWrite); err != nil || ok {
		t.Fatalf("a former lead's write = %v, %v; want denied", ok, err)
	}
}

// TestCondAfterPolicyReload: rules stored in the database by someone else
// apply after a reload (the watcher's LoadPolicy) with their conditions,
// and a stored condition that does not parse is an error, never an allow.
func TestCondAfterPolicyReload(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, dial string) {
		db := testdb.Open(t, dial)
		en, err := New(context.Background(), db.Client)
		if err != nil {
			t.Fatal(err)
		}
		agentA := auth.Viewer{AgentID: "agt_a", Role: agent.RoleAGENT}
		if ok, err := en.Can(agentA, ActWrite, "team_x", Resource{Type: ObjConfig}); err != nil || ok {
			t.Fatalf("config write before the new rule = %v, %v; want denied", ok, err)
		}
		other := &Adapter{Client: db.Client}
		if err := other.AddPolicies("p", "p", [][]string{
			{"AGENT", ObjConfig, ActWrite, "r.dom == 'team_x' && r.sub == 'agt_a'"},
			{"AGENT", ObjCustomer, ActRead, "r.obj.Assigned &&"},
		}); err != nil {
			t.Fatal(err)
		}
		if err := en.e.LoadPolicy(); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			dom  string
			obj  Resource
			act  string
			want bool
		}{
			{"team_x", Resource{Type: ObjConfig}, ActWrite, true},
			{"team_y", Resource{Type: ObjConfig}, ActWrite, false},
			{"team_x", Resource{Type: ObjTicket, Assigned: true}, ActWrite, true},
			{"team_x", Resource{Type: ObjTicket, Watching: true}, ActWrite, false},
			{"team_x", Resource{Type: ObjTicket, Watching: true}, ActRead, true},
		} {
			if ok, err := en.Can(agentA, c.act, c.dom, c.obj); err != nil || ok != c.want {
				t.Fatalf("Can(%s %+v in %s) after reload = %v, %v; want %v", c.act, c.obj, c.dom, ok, err, c.want)
			}
		}
		// The customer rules: AGENT's "*" rule on customers comes first
		// in the default policy and allows; a role without it reaches
		// the broken condition.
		if ok, err := en.Can(agentA, ActRead, NoDomain, Resource{Type: ObjCustomer}); err != nil || !ok {
			t.Fatalf("customer read = %v, %v; want allowed by the default rule", ok, err)
		}
		if err := other.AddPolicy("p", "p", []string{"BROKEN", ObjTicket, ActRead, "r.obj.Assigned &&"}); err != nil {
			t.Fatal(err)
		}
		if err := en.e.LoadPolicy(); err != nil {
			t.Fatal(err)
		}
		broken := auth.Viewer{TokenID: "tok_1", Scopes: []string{"BROKEN"}}
		if ok, err := en.Can(broken, ActRead, "team_x", Resource{Type: ObjTicket, Assigned: true}); err == nil || ok {
			t.Fatalf("a rule whose condition does not parse = %v, %v; want an error", ok, err)
		}
	})
}
