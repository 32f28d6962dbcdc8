package authz

import (
	"context"
	"strings"
	"testing"

	"entgo.io/ent/dialect"

	"helpdesk/ent/agent"
	"helpdesk/internal/auth"
	"helpdesk/internal/gid"
	"helpdesk/internal/testdb"
)

// BenchmarkCan measures one decision on a typical ticket, with the model
// as it is (cond) and with Casbin's eval(p.cond), which parses the matcher
// and the conditions on every call: an agent reading a ticket of their
// team that another agent works on (the AGENT rule's condition fails and
// no lead rule holds), and a lead reading a ticket of their team.
func BenchmarkCan(b *testing.B) {
	db := testdb.Open(b, dialect.SQLite)
	models := map[string]string{
		"cond": modelText,
		"eval": strings.Replace(modelText, "cond(p.cond, r.sub, r.role, r.dom, r.obj, r.act, p.sub, p.obj, p.act)", "eval(p.cond)", 1),
	}
	obj := Resource{Type: ObjTicket, InMyTeam: true}
	for _, name := range []string{"eval", "cond"} {
		en, err := newEnforcer(context.Background(), db.Client, models[name])
		if err != nil {
			b.Fatal(err)
		}
		if err := en.SetTeamLead("agt_lead", "team_x", true); err != nil {
			b.Fatal(err)
		}
		for _, c := range []struct {
			name string
			v    auth.Viewer
			want bool
		}{
			{"agent", auth.Viewer{AgentID: "agt_a", Role: agent.RoleAGENT, TeamIDs: []gid.ID{"team_x"}}, false},
			{"lead", auth.Viewer{AgentID: "agt_lead", Role: agent.RoleAGENT, TeamIDs: []gid.ID{"team_x"}}, true},
		} {
			b.Run(name+"/"+c.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					ok, err := en.Can(c.v, ActRead, "team_x", obj)
					if err != nil || ok != c.want {
						b.Fatalf("Can = %v, %v; want %v", ok, err, c.want)
					}
				}
			})
		}
	}
}
