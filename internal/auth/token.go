package auth

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"helpdesk/internal/gid"
)

// Tokens issues and verifies the HS256-signed bearer tokens agents log in
// for. The subject is the agent's id.
type Tokens struct {
	Key []byte
	TTL time.Duration
}

const issuer = "helpdesk"

// Issue returns a token for the agent valid from now for TTL, and its expiry.
func (t Tokens) Issue(agentID gid.ID, now time.Time) (string, time.Time, error) {
	exp := now.Add(t.TTL)
	claims := jwt.RegisteredClaims{
		Issuer:    issuer,
		Subject:   string(agentID),
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(exp),
	}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(t.Key)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("signing token: %w", err)
	}
	return signed, exp, nil
}

// ErrInvalidToken is returned for a token that is malformed, badly signed
// or expired.
var ErrInvalidToken = errors.New("invalid or expired token")

// Verify checks the token's signature and expiry at now and returns the
// agent id it was issued to.
func (t Tokens) Verify(token string, now time.Time) (gid.ID, error) {
	var claims jwt.RegisteredClaims
	_, err := jwt.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) { return t.Key, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(issuer),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(func() time.Time { return now }),
	)
	if err != nil {
		return "", ErrInvalidToken
	}
	id := gid.ID(claims.Subject)
	if !id.Valid(gid.Agent) {
		return "", ErrInvalidToken
	}
	return id, nil
}
