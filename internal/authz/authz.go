// Package authz decides who may do what: a Casbin model (model.conf) with
// role-based access in team domains plus attribute conditions, policies
// stored in the database through an ent adapter, and the SQL read scopes
// that make list queries return exactly the rows Casbin allows.
package authz

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"log/slog"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"

	"helpdesk/ent"
	"helpdesk/internal/apperr"
	"helpdesk/internal/auth"
	"helpdesk/internal/gid"
)

//go:embed model.conf
var modelText string

// Resource is what a request acts on, with the attributes policy
// conditions read. The boolean attributes are relative to the requesting
// agent.
type Resource struct {
	Type string
	// Assigned: the ticket is assigned to the agent.
	Assigned bool
	// Unassigned: the ticket has no assignee.
	Unassigned bool
	// InMyTeam: the ticket's team is one of the agent's teams.
	InMyTeam bool
	// Watching: the agent watches the ticket.
	Watching bool
	// Mentioned: the agent is mentioned in one of its comments.
	Mentioned bool
	// TargetInTeam: for a reassignment, the new assignee is (or none is
	// given and the ticket stays) in the ticket's team.
	TargetInTeam bool
	// Own: the ticket belongs to the customer the request acts for.
	Own bool
	// Internal: the ticket is staff-only.
	Internal bool
}

// Enforcer evaluates the policy. It is safe for concurrent use.
type Enforcer struct {
	e       *casbin.SyncedEnforcer
	watcher *postgresWatcher
	// Logger reports policy errors that cannot be returned (a read scope
	// that fails closed); nil means slog.Default().
	Logger *slog.Logger
}

func (en *Enforcer) logger() *slog.Logger {
	if en.Logger == nil {
		return slog.Default()
	}
	return en.Logger
}

// WatchPostgres makes policy changes reach every replica using the same
// PostgreSQL database at once (see postgresWatcher). Close stops it.
func (en *Enforcer) WatchPostgres(dsn string, db *sql.DB, logger *slog.Logger) error {
	w, err := newPostgresWatcher(dsn, db, logger)
	if err != nil {
		return err
	}
	if err := en.e.SetWatcher(w); err != nil {
		w.Close()
		return fmt.Errorf("installing the policy watcher: %w", err)
	}
	// SetWatcher installs the unsynchronised Enforcer.LoadPolicy as the
	// callback; reload through the SyncedEnforcer so that requests being
	// enforced meanwhile never see a half-loaded policy.
	if err := w.SetUpdateCallback(func(string) {
		if err := en.e.LoadPolicy(); err != nil {
			logger.Error("reloading the authorization policy", "error", err)
		}
	}); err != nil {
		w.Close()
		return fmt.Errorf("installing the policy reload: %w", err)
	}
	en.watcher = w
	return nil
}

// Close stops watching for policy changes.
func (en *Enforcer) Close() {
	if en.watcher != nil {
		en.watcher.Close()
		en.watcher = nil
	}
}

// New loads the model and the stored policy, installing DefaultPolicy
// when no policy rule is stored yet.
func New(ctx context.Context, client *ent.Client) (*Enforcer, error) {
	return newEnforcer(ctx, client, modelText)
}

// newEnforcer is New with the given model text.
func newEnforcer(ctx context.Context, client *ent.Client, text string) (*Enforcer, error) {
	m, err := model.NewModelFromString(text)
	if err != nil {
		return nil, fmt.Errorf("parsing authorization model: %w", err)
	}
	e, err := casbin.NewSyncedEnforcer(m, &Adapter{Client: client})
	if err != nil {
		return nil, fmt.Errorf("loading authorization policy: %w", err)
	}
	newConditions(e).install()
	if err := installDefaults(ctx, client, e); err != nil {
		return nil, err
	}
	return &Enforcer{e: e}, nil
}

// Can reports whether the viewer may perform act on obj in domain dom
// (the owning team's id, or NoDomain).
func (en *Enforcer) Can(v auth.Viewer, act, dom string, obj Resource) (bool, error) {
	if v.IsSystem() {
		return true, nil
	}
	if dom == "" {
		dom = NoDomain
	}
	for _, role := range roles(v) {
		ok, err := en.e.Enforce(string(v.AgentID), role, dom, obj, act)
		if err != nil {
			return false, fmt.Errorf("evaluating authorization policy: %w", err)
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

// roles are the policy subjects a viewer acts as: an agent's global role,
// a customer token's CUSTOMER role, or each scope of an integration token.
func roles(v auth.Viewer) []string {
	switch {
	case v.IsCustomer():
		return []string{RoleCustomer}
	case v.IsIntegration():
		return v.Scopes
	case v.IsAgent():
		return []string{string(v.Role)}
	}
	return nil
}

// Require is Can that answers FORBIDDEN when the viewer may not.
func (en *Enforcer) Require(v auth.Viewer, act, dom string, obj Resource) error {
	ok, err := en.Can(v, act, dom, obj)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.Forbidden("you may not " + actionWords(act, obj))
	}
	return nil
}

// LeadTeams returns the teams the agent leads.
func (en *Enforcer) LeadTeams(agentID gid.ID) ([]gid.ID, error) {
	var teams []gid.ID
	rules, err := en.e.GetFilteredGroupingPolicy(0, string(agentID), RoleLead)
	if err != nil {
		return nil, fmt.Errorf("reading team leads: %w", err)
	}
	for _, r := range rules {
		if len(r) >= 3 {
			teams = append(teams, gid.ID(r[2]))
		}
	}
	return teams, nil
}

// SetTeamLead makes the agent a lead of the team, or takes the role away.
// The change is stored and applies to the next request.
func (en *Enforcer) SetTeamLead(agentID, teamID gid.ID, lead bool) error {
	var err error
	if lead {
		_, err = en.e.AddGroupingPolicy(string(agentID), RoleLead, string(teamID))
	} else {
		_, err = en.e.RemoveGroupingPolicy(string(agentID), RoleLead, string(teamID))
	}
	if err != nil {
		return fmt.Errorf("changing team lead: %w", err)
	}
	return nil
}

// TeamLeads lists (agent, team) pairs holding the lead role.
func (en *Enforcer) TeamLeads() ([][2]gid.ID, error) {
	var out [][2]gid.ID
	rules, err := en.e.GetFilteredGroupingPolicy(1, RoleLead)
	if err != nil {
		return nil, fmt.Errorf("reading team leads: %w", err)
	}
	for _, r := range rules {
		if len(r) >= 3 {
			out = append(out, [2]gid.ID{gid.ID(r[0]), gid.ID(r[2])})
		}
	}
	return out, nil
}
