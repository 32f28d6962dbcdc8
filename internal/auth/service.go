package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"helpdesk/ent"
	"helpdesk/ent/agent"
	"helpdesk/ent/setting"
	"helpdesk/ent/teammembership"
	"helpdesk/internal/apperr"
	"helpdesk/internal/gid"
)

// Service logs agents in and authenticates requests.
type Service struct {
	Client *ent.Client
	Tokens Tokens
	Now    func() time.Time
}

// AuthPayload is what a successful login returns.
type AuthPayload struct {
	Token     string
	ExpiresAt time.Time
	Agent     *ent.Agent
}

// Login exchanges an agent's email and password for a token. Unknown
// emails, wrong passwords and deactivated agents get the same answer, so
// the response does not reveal which accounts exist.
func (s *Service) Login(ctx context.Context, email, password string) (*AuthPayload, error) {
	a, err := s.Client.Agent.Query().
		Where(agent.Email(strings.ToLower(strings.TrimSpace(email)))).
		Only(ctx)
	if err != nil && !ent.IsNotFound(err) {
		return nil, fmt.Errorf("looking up agent: %w", err)
	}
	if a == nil || !a.Active || !CheckPassword(a.PasswordHash, password) {
		return nil, apperr.Unauthenticated("wrong email or password")
	}
	token, exp, err := s.Tokens.Issue(a.ID, s.Now())
	if err != nil {
		return nil, err
	}
	return &AuthPayload{Token: token, ExpiresAt: exp, Agent: a}, nil
}

// Authenticate returns the viewer for a bearer token. The agent is read
// on every request, so deactivating an agent or changing a role takes
// effect at once.
func (s *Service) Authenticate(ctx context.Context, token string) (Viewer, error) {
	if isAPIToken(token) {
		return s.authenticateAPIToken(ctx, token)
	}
	id, err := s.Tokens.Verify(token, s.Now())
	if err != nil {
		return Viewer{}, apperr.Unauthenticated("invalid or expired token")
	}
	a, err := s.Client.Agent.Get(ctx, id)
	if ent.IsNotFound(err) {
		return Viewer{}, apperr.Unauthenticated("invalid or expired token")
	}
	if err != nil {
		return Viewer{}, fmt.Errorf("loading agent: %w", err)
	}
	if !a.Active {
		return Viewer{}, apperr.Unauthenticated("account is deactivated")
	}
	teams, err := a.QueryMemberships().Select(teammembership.FieldTeamID).Strings(ctx)
	if err != nil {
		return Viewer{}, fmt.Errorf("loading the agent's teams: %w", err)
	}
	v := Viewer{AgentID: a.ID, Name: a.Name, Role: a.Role}
	for _, t := range teams {
		v.TeamIDs = append(v.TeamIDs, gid.ID(t))
	}
	return v, nil
}

const signingKeySetting = "token_signing_key"

// SigningKey returns the token-signing key: configured if given, else the
// one stored in the database, created on first use so that tokens survive
// restarts and are shared by replicas.
func SigningKey(ctx context.Context, client *ent.Client, configured string) ([]byte, error) {
	if configured != "" {
		return []byte(configured), nil
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return nil, fmt.Errorf("generating signing key: %w", err)
	}
	// Insert-if-absent, then read: replicas starting together agree on one key.
	err := client.Setting.Create().
		SetID(signingKeySetting).
		SetValue(base64.StdEncoding.EncodeToString(buf)).
		OnConflictColumns(setting.FieldID).Ignore().
		Exec(ctx)
	if err != nil {
		return nil, fmt.Errorf("storing signing key: %w", err)
	}
	s, err := client.Setting.Get(ctx, signingKeySetting)
	if err != nil {
		return nil, fmt.Errorf("reading signing key: %w", err)
	}
	key, err := base64.StdEncoding.DecodeString(s.Value)
	if err != nil {
		return nil, fmt.Errorf("decoding signing key: %w", err)
	}
	return key, nil
}
