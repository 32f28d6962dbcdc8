package auth

import (
	"context"
	"errors"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"helpdesk/ent"
	"helpdesk/internal/apperr"
	"helpdesk/internal/testdb"
)

// testPasswordCost is the bcrypt cost the tests hash passwords with: the
// lowest bcrypt allows, so that logins are fast under the race detector.
const testPasswordCost = bcrypt.MinCost

// recordingService is a Service over a fresh database whose password
// comparisons are recorded.
func recordingService(t *testing.T, dial string) (*Service, *[]string) {
	t.Helper()
	db := testdb.Open(t, dial)
	var compared []string
	s := &Service{
		Client: db.Client, Tokens: Tokens{Key: testKey, TTL: time.Hour}, Now: time.Now,
		PasswordCost: testPasswordCost,
		checkPassword: func(hash, password string) bool {
			compared = append(compared, hash)
			return CheckPassword(hash, password)
		},
	}
	return s, &compared
}

func createAgent(t *testing.T, client *ent.Client, email, password string, active bool) *ent.Agent {
	t.Helper()
	hash, err := HashPassword(password, testPasswordCost)
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
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dial string) {
		s, compared := recordingService(t, dial)
		ctx := context.Background()
		standIn, err := s.standInHash()
		if err != nil {
			t.Fatal(err)
		}
		ann := createAgent(t, s.Client, "ann@example.com", "ann-password", true)
		gone := createAgent(t, s.Client, "gone@example.com", "gone-password", false)

		answers := map[string]error{}
		for _, tc := range []struct{ email, password, wantHash string }{
			{"ann@example.com", "wrong-password", ann.PasswordHash},
			{"nobody@example.com", "wrong-password", standIn},
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
		if got, want := hashCost(t, standIn), hashCost(t, ann.PasswordHash); got != want {
			t.Fatalf("stand-in hash has cost %d, the agent's password %d", got, want)
		}
		if CheckPassword(standIn, "") || CheckPassword(standIn, "wrong-password") {
			t.Fatal("the stand-in hash matched a guess")
		}
		if _, err := s.Login(ctx, "ANN@example.com ", "ann-password"); err != nil {
			t.Fatalf("the right password was refused: %v", err)
		}
	})
}

// TestStandInHashFollowsThePasswordCost checks that the stand-in hash is
// made at the cost the service is configured with, and at
// DefaultPasswordCost when none is, the cost new passwords get.
func TestStandInHashFollowsThePasswordCost(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ configured, want int }{
		{0, DefaultPasswordCost},
		{bcrypt.MinCost, bcrypt.MinCost},
		{bcrypt.MinCost + 1, bcrypt.MinCost + 1},
	} {
		s := &Service{PasswordCost: tc.configured}
		hash, err := s.standInHash()
		if err != nil {
			t.Fatal(err)
		}
		if got := hashCost(t, hash); got != tc.want {
			t.Fatalf("PasswordCost %d: stand-in hash has cost %d, want %d", tc.configured, got, tc.want)
		}
		if again, _ := s.standInHash(); again != hash {
			t.Fatal("the stand-in hash changed between logins")
		}
	}
}

func hashCost(t *testing.T, hash string) int {
	t.Helper()
	cost, err := bcrypt.Cost([]byte(hash))
	if err != nil {
		t.Fatalf("%q is not a bcrypt hash: %v", hash, err)
	}
	return cost
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
