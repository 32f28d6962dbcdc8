package auth

import (
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"

	"helpdesk/internal/gid"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

func TestTokenRoundTripAndExpiry(t *testing.T) {
	tokens := Tokens{Key: testKey, TTL: time.Hour}
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	agentID := gid.New(gid.Agent)

	token, exp, err := tokens.Issue(agentID, 3, now)
	if err != nil {
		t.Fatal(err)
	}
	if !exp.Equal(now.Add(time.Hour)) {
		t.Fatalf("expiry = %v, want %v", exp, now.Add(time.Hour))
	}
	got, err := tokens.Verify(token, now.Add(59*time.Minute))
	if err != nil || got != (Identity{AgentID: agentID, Generation: 3}) {
		t.Fatalf("Verify before expiry = %+v, %v; want %q at generation 3", got, err, agentID)
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

// forge signs arbitrary claims with key, as someone holding the key could.
func forge(t *testing.T, key []byte, c jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestVerifyRefusesTokensOutsideTheirLifetime(t *testing.T) {
	tokens := Tokens{Key: testKey, TTL: 12 * time.Hour}
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	agentID := string(gid.New(gid.Agent))
	claims := func(iat, exp time.Time) jwt.MapClaims {
		c := jwt.MapClaims{"iss": "helpdesk", "sub": agentID, "exp": exp.Unix(), "gen": 0}
		if !iat.IsZero() {
			c["iat"] = iat.Unix()
		}
		return c
	}
	cases := []struct {
		name   string
		claims jwt.MapClaims
		ok     bool
	}{
		{"a token of exactly the TTL", claims(now.Add(-time.Hour), now.Add(11*time.Hour)), true},
		{"issued slightly in the future (clock skew)", claims(now.Add(30*time.Second), now.Add(12*time.Hour)), true},
		{"a hundred-year token", claims(now.Add(-time.Hour), now.AddDate(100, 0, 0)), false},
		{"a lifetime one minute over the TTL", claims(now.Add(-time.Hour), now.Add(11*time.Hour+time.Minute)), false},
		{"issued in the future", claims(now.Add(10*time.Minute), now.Add(12*time.Hour)), false},
		{"without an issue time", claims(time.Time{}, now.Add(time.Hour)), false},
		{"with a negative generation", func() jwt.MapClaims {
			c := claims(now, now.Add(time.Hour))
			c["gen"] = -1
			return c
		}(), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tokens.Verify(forge(t, testKey, tc.claims), now)
			if (err == nil) != tc.ok {
				t.Fatalf("Verify error = %v; want accepted %v", err, tc.ok)
			}
		})
	}
	longer := Tokens{Key: testKey, TTL: time.Hour, MaxLifetime: 24 * time.Hour}
	if _, err := longer.Verify(forge(t, testKey, claims(now, now.Add(20*time.Hour))), now); err != nil {
		t.Fatalf("a token within MaxLifetime was refused: %v", err)
	}
}

func TestPreviousKeysVerifyButDoNotSign(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	old := Tokens{Key: testKey, TTL: time.Hour}
	token, _, err := old.Issue(gid.New(gid.Agent), 0, now)
	if err != nil {
		t.Fatal(err)
	}
	rotated := Tokens{Key: []byte("the new key, also long enough!!!"), PreviousKeys: [][]byte{testKey}, TTL: time.Hour}
	if _, err := rotated.Verify(token, now); err != nil {
		t.Fatalf("a token signed with the previous key was refused: %v", err)
	}
	fresh, _, err := rotated.Issue(gid.New(gid.Agent), 0, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.Verify(fresh, now); err == nil {
		t.Fatal("a new token was signed with the previous key")
	}
	if _, err := (Tokens{Key: rotated.Key, TTL: time.Hour}).Verify(token, now); err == nil {
		t.Fatal("a token of a dropped key verified")
	}
}

func TestPasswordHashing(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ cost, want int }{
		{0, DefaultPasswordCost},
		{testPasswordCost, testPasswordCost},
	} {
		hash, err := HashPassword("correct horse", tc.cost)
		if err != nil {
			t.Fatal(err)
		}
		if got := hashCost(t, hash); got != tc.want {
			t.Fatalf("cost %d: the hash has cost %d, want %d", tc.cost, got, tc.want)
		}
		if !CheckPassword(hash, "correct horse") {
			t.Fatal("the right password was refused")
		}
		if CheckPassword(hash, "wrong horse") {
			t.Fatal("a wrong password was accepted")
		}
	}
	for _, cost := range []int{-1, bcrypt.MinCost - 1, bcrypt.MaxCost + 1} {
		if _, err := HashPassword("correct horse", cost); err == nil {
			t.Fatalf("cost %d was accepted", cost)
		}
	}
}
