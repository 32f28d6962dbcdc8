package auth

import (
	"crypto/rand"
	"fmt"
	"sync"

	"golang.org/x/crypto/bcrypt"
)

// MinPasswordLength is the shortest password an agent may set.
const MinPasswordLength = 8

// DefaultPasswordCost is the bcrypt cost passwords are hashed with when no
// other cost is configured. Tests configure bcrypt.MinCost, which hashes
// a thousand times faster and is far too weak for real passwords.
const DefaultPasswordCost = bcrypt.DefaultCost

// HashPassword returns the bcrypt hash of password at the given cost;
// zero means DefaultPasswordCost. A cost outside bcrypt's range is an
// error rather than a silent fallback.
func HashPassword(password string, cost int) (string, error) {
	if cost == 0 {
		cost = DefaultPasswordCost
	}
	if cost < bcrypt.MinCost || cost > bcrypt.MaxCost {
		return "", fmt.Errorf("hashing password: bcrypt cost %d is outside %d..%d", cost, bcrypt.MinCost, bcrypt.MaxCost)
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		return "", fmt.Errorf("hashing password: %w", err)
	}
	return string(h), nil
}

// CheckPassword reports whether password matches the bcrypt hash. The
// comparison runs at the cost recorded in the hash.
func CheckPassword(hash, password string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}

// standInHash is the hash a login for an unknown email is compared
// against: a bcrypt hash, at the cost the service hashes passwords with,
// of a random secret that is never kept, so the comparison takes as long
// as for a real account and never matches. It is made once per Service.
type standInHash struct {
	once sync.Once
	hash string
	err  error
}

func (s *standInHash) get(cost int) (string, error) {
	s.once.Do(func() { s.hash, s.err = HashPassword(rand.Text(), cost) })
	return s.hash, s.err
}
