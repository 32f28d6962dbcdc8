package auth

import (
	"context"
	"fmt"
	"slices"
	"time"

	"entgo.io/ent/dialect/sql"

	"helpdesk/ent"
	"helpdesk/ent/agent"
	"helpdesk/ent/teammembership"
	"helpdesk/internal/apperr"
	"helpdesk/internal/gid"
)

// Service logs agents in and authenticates requests.
type Service struct {
	Client *ent.Client
	Tokens Tokens
	Now    func() time.Time
	// Throttle limits failed logins per account and per client address;
	// nil means no limit.
	Throttle *LoginThrottle
	// MayManageTokens is the authorization check for issuing and revoking
	// API tokens (the policy lives in authz, which depends on this
	// package): it answers an error unless the viewer in ctx may.
	MayManageTokens func(ctx context.Context) error
	// PasswordCost is the bcrypt cost of the stand-in hash an unknown
	// email is compared against; it must be the cost new passwords are
	// hashed with (directory.Service.PasswordCost). Zero means
	// DefaultPasswordCost.
	PasswordCost int

	standIn standInHash
	viewers viewerCache
	// checkPassword compares a password with a bcrypt hash; tests
	// replace it to observe which hash a login compared against.
	checkPassword func(hash, password string) bool
}

// AuthPayload is what a successful login returns.
type AuthPayload struct {
	Token     string
	ExpiresAt time.Time
	Agent     *ent.Agent
}

// errWrongCredentials is the one answer to a failed login.
var errWrongCredentials = apperr.Unauthenticated("wrong email or password")

// Login exchanges an agent's email and password for a token. Unknown
// emails, wrong passwords and deactivated agents get the same answer after
// the same work (a bcrypt comparison, against a stand-in hash when there
// is no agent), so neither the response nor its timing reveals which
// accounts exist. Attempts beyond the throttle's limits are refused with
// a *RateLimitedError before any password is compared.
func (s *Service) Login(ctx context.Context, email, password string) (*AuthPayload, error) {
	email = normalizeEmail(email)
	address, _ := ClientAddressFrom(ctx)
	attempt, err := s.Throttle.Begin(email, address, s.Now())
	if err != nil {
		return nil, err
	}
	a, err := s.Client.Agent.Query().Where(agent.Email(email)).Only(ctx)
	if err != nil && !ent.IsNotFound(err) {
		attempt.Finish(s.Now(), false)
		return nil, fmt.Errorf("looking up agent: %w", err)
	}
	hash, err := s.standInHash()
	if err != nil {
		attempt.Finish(s.Now(), false)
		return nil, err
	}
	if a != nil {
		hash = a.PasswordHash
	}
	matches := s.passwordMatches(hash, password)
	if a == nil || !matches || !a.Active {
		attempt.Finish(s.Now(), true)
		return nil, errWrongCredentials
	}
	attempt.Finish(s.Now(), false)
	token, exp, err := s.Tokens.Issue(a.ID, a.TokenGeneration, s.Now())
	if err != nil {
		return nil, err
	}
	return &AuthPayload{Token: token, ExpiresAt: exp, Agent: a}, nil
}

// standInHash returns the hash a login for an unknown email is compared
// against, at the service's password cost.
func (s *Service) standInHash() (string, error) {
	return s.standIn.get(s.PasswordCost)
}

func (s *Service) passwordMatches(hash, password string) bool {
	if s.checkPassword != nil {
		return s.checkPassword(hash, password)
	}
	return CheckPassword(hash, password)
}

// Authenticate returns the viewer for a bearer token. The agent and its
// teams are read in one statement, or taken from the viewer cache (see
// CacheViewers): deactivating an agent, changing a role, a team or the
// agent's token generation takes effect at the next request on this
// process, and within the cache's lifetime on the others.
func (s *Service) Authenticate(ctx context.Context, token string) (Viewer, error) {
	if isAPIToken(token) {
		return s.authenticateAPIToken(ctx, token)
	}
	id, err := s.Tokens.Verify(token, s.Now())
	if err != nil {
		return Viewer{}, apperr.Unauthenticated("invalid or expired token")
	}
	if v, ok := s.viewers.get(id, time.Now()); ok {
		return v, nil
	}
	epoch := s.viewers.currentEpoch()
	v, err := s.loadViewer(ctx, id)
	if err != nil {
		return Viewer{}, err
	}
	s.viewers.put(id, v, epoch, time.Now())
	return v, nil
}

// viewerRow is one row of loadViewer's statement.
type viewerRow struct {
	Name            string         `json:"name"`
	Role            string         `json:"role"`
	Active          bool           `json:"active"`
	TokenGeneration int            `json:"token_generation"`
	TeamID          sql.NullString `json:"member_team_id"`
}

// loadViewer reads the agent of a verified token with the teams it is a
// member of: one row per membership (one with no team when there is
// none), in one statement.
func (s *Service) loadViewer(ctx context.Context, id Identity) (Viewer, error) {
	var rows []viewerRow
	err := s.Client.Agent.Query().
		Where(agent.ID(id.AgentID), func(sel *sql.Selector) {
			m := sql.Table(teammembership.Table)
			sel.LeftJoin(m).On(sel.C(agent.FieldID), m.C(teammembership.FieldAgentID)).
				AppendSelectAs(m.C(teammembership.FieldTeamID), "member_team_id")
		}).
		Select(agent.FieldName, agent.FieldRole, agent.FieldActive, agent.FieldTokenGeneration).
		Scan(ctx, &rows)
	if err != nil {
		return Viewer{}, fmt.Errorf("loading agent: %w", err)
	}
	if len(rows) == 0 {
		return Viewer{}, apperr.Unauthenticated("invalid or expired token")
	}
	v := Viewer{AgentID: id.AgentID, Name: rows[0].Name, Role: agent.Role(rows[0].Role)}
	active, generation := rows[0].Active, rows[0].TokenGeneration
	for _, r := range rows {
		if r.TeamID.Valid {
			v.TeamIDs = append(v.TeamIDs, gid.ID(r.TeamID.String))
		}
	}
	if !active {
		return Viewer{}, apperr.Unauthenticated("account is deactivated")
	}
	if generation != id.Generation {
		return Viewer{}, apperr.Unauthenticated("invalid or expired token")
	}
	slices.Sort(v.TeamIDs)
	return v, nil
}
