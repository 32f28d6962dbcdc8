package auth

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"helpdesk/internal/gid"
)

// Tokens issues and verifies the HS256-signed bearer tokens agents log in
// for. The subject is the agent's id; the "gen" claim is the agent's token
// generation at login, so raising the generation refuses every earlier
// token.
type Tokens struct {
	// Key signs new tokens and verifies them.
	Key []byte
	// PreviousKeys still verify tokens (never sign), so a key can be
	// rotated without signing everyone out at once.
	PreviousKeys [][]byte
	// TTL is the lifetime of a new token.
	TTL time.Duration
	// MaxLifetime is the longest exp − iat a token may have to be
	// accepted; zero means TTL. It bounds what a token signed with a
	// leaked key can be worth.
	MaxLifetime time.Duration
}

// ClockSkew is how far in the future a token's issue time may be, to
// allow for replicas whose clocks differ slightly.
const ClockSkew = time.Minute

const issuer = "helpdesk"

// claims are a login token's claims.
type claims struct {
	jwt.RegisteredClaims
	Generation int `json:"gen"`
}

// Identity is what a verified login token says.
type Identity struct {
	AgentID gid.ID
	// Generation is the agent's token generation when the token was issued.
	Generation int
}

// Issue returns a token for the agent at the given token generation,
// valid from now for TTL, and its expiry.
func (t Tokens) Issue(agentID gid.ID, generation int, now time.Time) (string, time.Time, error) {
	exp := now.Add(t.TTL)
	c := claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    issuer,
			Subject:   string(agentID),
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(exp),
		},
		Generation: generation,
	}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(t.Key)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("signing token: %w", err)
	}
	return signed, exp, nil
}

// ErrInvalidToken is returned for a token that is malformed, badly signed,
// expired, issued in the future or issued for longer than MaxLifetime.
var ErrInvalidToken = errors.New("invalid or expired token")

// Verify checks the token's signature (with the current or a previous
// key), its expiry at now and its lifetime, and returns whom it was issued
// to.
func (t Tokens) Verify(token string, now time.Time) (Identity, error) {
	keys := jwt.VerificationKeySet{Keys: []jwt.VerificationKey{t.Key}}
	for _, k := range t.PreviousKeys {
		keys.Keys = append(keys.Keys, k)
	}
	var c claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return keys, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(issuer),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(func() time.Time { return now }),
	)
	if err != nil || c.IssuedAt == nil || c.Generation < 0 {
		return Identity{}, ErrInvalidToken
	}
	// Claims hold whole seconds: a second of rounding is allowed.
	issued, expires := c.IssuedAt.Time, c.ExpiresAt.Time
	if issued.After(now.Add(ClockSkew)) || expires.Sub(issued) > t.maxLifetime()+time.Second {
		return Identity{}, ErrInvalidToken
	}
	id := gid.ID(c.Subject)
	if !id.Valid(gid.Agent) {
		return Identity{}, ErrInvalidToken
	}
	return Identity{AgentID: id, Generation: c.Generation}, nil
}

func (t Tokens) maxLifetime() time.Duration {
	if t.MaxLifetime > 0 {
		return t.MaxLifetime
	}
	return t.TTL
}
