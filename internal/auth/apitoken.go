package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"helpdesk/ent"
	"helpdesk/ent/apitoken"
	"helpdesk/ent/customer"
	"helpdesk/internal/apperr"
	"helpdesk/internal/gid"
	"helpdesk/internal/input"
)

// APITokenPrefix starts every API token secret, so that a token is told
// apart from an agent's login token (and is easy to find in a leak scan).
const APITokenPrefix = "hd_"

// Scopes an integration token may hold. AGENTS_READ lets it read staff
// contact details (agents' emails and handles, team rosters); without it an
// integration sees agents by name only.
var Scopes = []string{"TICKETS_READ", "TICKETS_WRITE", "CUSTOMERS_READ", "CUSTOMERS_WRITE", "AGENTS_READ"}

// CreateAPITokenInput describes a new API token: with a customer it is
// that customer's token, otherwise an integration token with scopes.
type CreateAPITokenInput struct {
	Name       string
	Scopes     []string
	CustomerID *gid.ID
	ExpiresAt  *time.Time
}

// APITokenPayload carries a new token's secret, shown this once only.
type APITokenPayload struct {
	Token    string
	APIToken *ent.APIToken
}

// CreateAPIToken issues a token. Only the SHA-256 of its secret is stored.
func (s *Service) CreateAPIToken(ctx context.Context, in CreateAPITokenInput) (*APITokenPayload, error) {
	if err := s.mayManageTokens(ctx); err != nil {
		return nil, err
	}
	creator, _ := ViewerFrom(ctx)
	name, err := input.Text("input.name", in.Name, 200)
	if err != nil {
		return nil, err
	}
	kind := apitoken.KindINTEGRATION
	scopes := []string{}
	if in.CustomerID != nil {
		kind = apitoken.KindCUSTOMER
		if len(in.Scopes) > 0 {
			return nil, apperr.Invalid("input.scopes", "a customer token has no scopes: it acts for its customer only")
		}
		ok, err := s.Client.Customer.Query().Where(customer.ID(*in.CustomerID)).Exist(ctx)
		if err != nil {
			return nil, fmt.Errorf("checking customer: %w", err)
		}
		if !ok {
			return nil, apperr.Invalid("input.customerID", "no customer with this id")
		}
	} else {
		if len(in.Scopes) == 0 {
			return nil, apperr.Invalid("input.scopes", "an integration token needs at least one scope")
		}
		for _, sc := range in.Scopes {
			if !slices.Contains(Scopes, sc) {
				return nil, apperr.Invalid("input.scopes", "%q is not a scope", sc)
			}
			if !slices.Contains(scopes, sc) {
				scopes = append(scopes, sc)
			}
		}
	}
	if in.ExpiresAt != nil && !in.ExpiresAt.After(s.Now()) {
		return nil, apperr.Invalid("input.expiresAt", "must be in the future")
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return nil, fmt.Errorf("generating token: %w", err)
	}
	secret := APITokenPrefix + base64.RawURLEncoding.EncodeToString(buf)
	now := s.Now().UTC()
	t, err := s.Client.APIToken.Create().
		SetName(name).
		SetKind(kind).
		SetSecretHash(hashSecret(secret)).
		SetScopes(scopes).
		SetNillableCustomerID(in.CustomerID).
		SetNillableCreatedByID(creator.ActorID()).
		SetNillableExpiresAt(in.ExpiresAt).
		SetCreatedAt(now).SetUpdatedAt(now).
		Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("creating API token: %w", err)
	}
	return &APITokenPayload{Token: secret, APIToken: t}, nil
}

// RevokeAPIToken makes a token unusable from the next request on.
func (s *Service) RevokeAPIToken(ctx context.Context, id gid.ID) (*ent.APIToken, error) {
	if err := s.mayManageTokens(ctx); err != nil {
		return nil, err
	}
	t, err := s.Client.APIToken.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, apperr.NotFound("no API token with id %q", id)
	}
	if err != nil {
		return nil, fmt.Errorf("loading API token: %w", err)
	}
	if t.RevokedAt != nil {
		return t, nil
	}
	return t.Update().SetRevokedAt(s.Now().UTC()).Save(ctx)
}

// authenticateAPIToken resolves an API token secret to its viewer and
// records when it was last used (at most once a minute, to keep reads
// from writing on every request).
func (s *Service) authenticateAPIToken(ctx context.Context, secret string) (Viewer, error) {
	ctx = WithViewer(ctx, System) // the lookup happens before anyone is known
	t, err := s.Client.APIToken.Query().Where(apitoken.SecretHash(hashSecret(secret))).Only(ctx)
	if ent.IsNotFound(err) {
		return Viewer{}, apperr.Unauthenticated("invalid API token")
	}
	if err != nil {
		return Viewer{}, fmt.Errorf("loading API token: %w", err)
	}
	now := s.Now().UTC()
	if t.RevokedAt != nil || (t.ExpiresAt != nil && !t.ExpiresAt.After(now)) {
		return Viewer{}, apperr.Unauthenticated("the API token is revoked or expired")
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute {
		if err := t.Update().SetLastUsedAt(now).Exec(ctx); err != nil {
			return Viewer{}, fmt.Errorf("recording API token use: %w", err)
		}
	}
	v := Viewer{TokenID: t.ID, Name: t.Name, Scopes: t.Scopes}
	if t.CustomerID != nil {
		v.CustomerID = *t.CustomerID
	}
	return v, nil
}

func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

func isAPIToken(token string) bool { return strings.HasPrefix(token, APITokenPrefix) }

// mayManageTokens refuses everyone when no check is configured.
func (s *Service) mayManageTokens(ctx context.Context) error {
	if s.MayManageTokens == nil {
		return apperr.Forbidden("API tokens cannot be managed here")
	}
	return s.MayManageTokens(ctx)
}

// APITokens returns the query listing API tokens, for those who may
// manage them.
func (s *Service) APITokens(ctx context.Context) (*ent.APITokenQuery, error) {
	if err := s.mayManageTokens(ctx); err != nil {
		return nil, err
	}
	return s.Client.APIToken.Query(), nil
}
