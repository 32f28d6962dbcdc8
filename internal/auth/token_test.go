package auth

import (
	"testing"
	"time"

	"helpdesk/internal/gid"
)

func TestTokenRoundTripAndExpiry(t *testing.T) {
	tokens := Tokens{Key: []byte("0123456789abcdef0123456789abcdef"), TTL: time.Hour}
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	agentID := gid.New(gid.Agent)

	token, exp, err := tokens.Issue(agentID, now)
	if err != nil {
		t.Fatal(err)
	}
	if !exp.Equal(now.Add(time.Hour)) {
		t.Fatalf("expiry = %v, want %v", exp, now.Add(time.Hour))
	}
	got, err := tokens.Verify(token, now.Add(59*time.Minute))
	if err != nil || got != agentID {
		t.Fatalf("Verify before expiry = %q, %v; want %q", got, err, agentID)
	}
	if _, err := tokens.Verify(token, now.Add(61*time.Minute)); err == nil {
		t.Fatal("an expired token verified")
	}
	other := Tokens{Key: []byte("another key that is long enough!"), TTL: time.Hour}
	if _, err := other.Verify(token, now); err == nil {
		t.Fatal("a token signed with another key verified")
	}
	if _, err := tokens.Verify(token+"x", now); err == nil {
		t.Fatal("a tampered token verified")
	}
}

func TestPasswordHashing(t *testing.T) {
	hash, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !CheckPassword(hash, "correct horse") {
		t.Fatal("the right password was refused")
	}
	if CheckPassword(hash, "wrong horse") {
		t.Fatal("a wrong password was accepted")
	}
}
