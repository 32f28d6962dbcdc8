package auth

import (
	"crypto/rand"
	"fmt"
	"sync"

	"golang.org/x/crypto/bcrypt"
)

// MinPasswordLength is the shortest password an agent may set.
const MinPasswordLength = 8

// PasswordCost is the bcrypt cost passwords are hashed with.
const PasswordCost = bcrypt.DefaultCost

// HashPassword returns the bcrypt hash of password.
func HashPassword(password string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), PasswordCost)
	if err != nil {
		return "", fmt.Errorf("hashing password: %w", err)
	}
	return string(h), nil
}

// CheckPassword reports whether password matches the bcrypt hash.
func CheckPassword(hash, password string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}

// standInHash is the hash a login for an unknown email is compared
// against: a bcrypt hash, at PasswordCost, of a random secret that is
// never kept, so the comparison takes as long as for a real account and
// never matches.
var standInHash = sync.OnceValue(func() string {
	h, err := HashPassword(rand.Text())
	if err != nil {
		panic(err) // only for a cost or length out of bcrypt's range.
	}
	return h
})
