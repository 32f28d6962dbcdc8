package auth

import (
	"context"
	"errors"
	"testing"
	"time"

	"helpdesk/ent"
	"helpdesk/internal/apperr"
	"helpdesk/internal/testdb"
)

// recordingService is a Service over a fresh database whose password
// comparisons are recorded.
func recordingService(t *testing.T, dial string) (*Service, *[]string) {
	t.Helper()
	db := testdb.Open(t, dial)
	var compared []string
	s := &Service{
		Client: db.Client, Tokens: Tokens{Key: testKey, TTL: time.Hour}, Now: time.Now,
		checkPassword: func(hash, password string) bool {
			compared = append(compared, hash)
			return CheckPassword(hash, password)
		},
	}
	return s, &compared
}

func createAgent(t *testing.T, client *ent.Client, email, password string, active bool) *ent.Agent {
	t.Helper()
	hash, err := HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	a, err := client.Agent.Create().SetName("Ann").SetEmail(email).SetPasswordHash(hash).
		SetActive(active).SetCreatedAt(now).SetUpdatedAt(now).Save(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestUnknownEmailsCostAPasswordComparison checks that a login for an
// email nobody has, or for a deactivated agent, does the same work as a
// wrong password (one bcrypt comparison, at the cost real passwords use)
// and gets the same answer.
func TestUnknownEmailsCostAPasswordComparison(t *testing.T) {
	for _, dial := range testdb.Dialects {
		t.Run(dial, func(t *testing.T) {
			s, compared := recordingService(t, dial)
			ctx := context.Background()
			ann := createAgent(t, s.Client, "ann@example.com", "ann-password", true)
			gone := createAgent(t, s.Client, "gone@example.com", "gone-password", false)

			answers := map[string]error{}
			for _, tc := range []struct{ email, password, wantHash string }{
				{"ann@example.com", "wrong-password", ann.PasswordHash},
				{"nobody@example.com", "wrong-password", standInHash()},
				{"gone@example.com", "gone-password", gone.PasswordHash},
			} {
				*compared = nil
				_, err := s.Login(ctx, tc.email, tc.password)
				answers[tc.email] = err
				if len(*compared) != 1 || (*compared)[0] != tc.wantHash {
					t.Fatalf("login as %s compared against %d hashes %v; want exactly its own (or the stand-in)", tc.email, len(*compared), *compared)
				}
			}
			for email, err := range answers {
				if !errors.Is(err, apperr.ErrUnauthenticated) || err.Error() != "wrong email or password" {
					t.Fatalf("login as %s = %v; want the one UNAUTHENTICATED answer", email, err)
				}
			}
			cost := func(hash string) string { return hash[:7] } // "$2a$10$"
			if cost(standInHash()) != cost(ann.PasswordHash) {
				t.Fatalf("stand-in hash %q has another cost than %q", cost(standInHash()), cost(ann.PasswordHash))
			}
			if CheckPassword(standInHash(), "") || CheckPassword(standInHash(), "wrong-password") {
				t.Fatal("the stand-in hash matched a guess")
			}
			if _, err := s.Login(ctx, "ANN@example.com ", "ann-password"); err != nil {
				t.Fatalf("the right password was refused: %v", err)
			}
		})
	}
}

// TestRateLimitedLoginsCompareNoPassword checks that a refused attempt
// does no bcrypt work.
func TestRateLimitedLoginsCompareNoPassword(t *testing.T) {
	s, compared := recordingService(t, testdb.Dialects[0])
	s.Throttle = NewLoginThrottle(LoginLimits{AccountFailures: 2})
	createAgent(t, s.Client, "ann@example.com", "ann-password", true)
	ctx := WithClientAddress(context.Background(), "10.0.0.1")
	for range 2 {
		if _, err := s.Login(ctx, "ann@example.com", "wrong-password"); !errors.Is(err, apperr.ErrUnauthenticated) {
			t.Fatalf("wrong password = %v", err)
		}
	}
	*compared = nil
	var limited *RateLimitedError
	if _, err := s.Login(ctx, "ann@example.com", "ann-password"); !errors.As(err, &limited) {
		t.Fatalf("third attempt = %v; want RateLimitedError", err)
	}
	if len(*compared) != 0 {
		t.Fatalf("a refused attempt compared %d passwords", len(*compared))
	}
}
