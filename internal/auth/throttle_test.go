package auth

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// fail runs one failed attempt and reports whether it was admitted.
func fail(th *LoginThrottle, email, addr string, now time.Time) error {
	a, err := th.Begin(email, addr, now)
	if err != nil {
		return err
	}
	a.Finish(now, true)
	return nil
}

func TestAccountThrottle(t *testing.T) {
	th := NewLoginThrottle(LoginLimits{})
	for i := range 5 {
		if err := fail(th, "ann@example.com", "10.0.0.1", t0); err != nil {
			t.Fatalf("attempt %d refused: %v", i+1, err)
		}
	}
	err := fail(th, " ANN@example.com", "10.0.0.2", t0)
	var limited *RateLimitedError
	if !errors.As(err, &limited) {
		t.Fatalf("sixth failure in a row = %v; want RateLimitedError (emails compare case-insensitively, whatever the address)", err)
	}
	if got := limited.RetryAfterSeconds(); got != 60 {
		t.Fatalf("retry after %d s, want 60", got)
	}
	if err := fail(th, "bob@example.com", "10.0.0.1", t0); err != nil {
		t.Fatalf("another account was throttled: %v", err)
	}
	if err := fail(th, "ann@example.com", "10.0.0.1", t0.Add(59*time.Second)); err == nil {
		t.Fatal("admitted before the retry time")
	}
	if err := fail(th, "ann@example.com", "10.0.0.1", t0.Add(60*time.Second)); err != nil {
		t.Fatalf("not admitted after the retry time: %v", err)
	}
}

func TestSuccessesCostNothingAndRestoreNothing(t *testing.T) {
	th := NewLoginThrottle(LoginLimits{AccountFailures: 2})
	for range 10 {
		a, err := th.Begin("ann@example.com", "10.0.0.1", t0)
		if err != nil {
			t.Fatalf("a successful login was throttled: %v", err)
		}
		a.Finish(t0, false)
	}
	_ = fail(th, "eve@example.com", "10.0.0.9", t0)
	_ = fail(th, "eve@example.com", "10.0.0.9", t0)
	// Eve logs in to her own account from the same address...
	a, err := th.Begin("eve-own@example.com", "10.0.0.9", t0)
	if err != nil {
		t.Fatal(err)
	}
	a.Finish(t0, false)
	// ...which gives her no new attempt at the first one.
	if err := fail(th, "eve@example.com", "10.0.0.9", t0); err == nil {
		t.Fatal("a success restored a failed account's attempts")
	}
}

func TestAddressThrottleAcrossEmails(t *testing.T) {
	th := NewLoginThrottle(LoginLimits{AddressFailures: 20, AddressInterval: 6 * time.Second})
	for i := range 20 {
		if err := fail(th, fmt.Sprintf("user%d@example.com", i), "203.0.113.7", t0); err != nil {
			t.Fatalf("attempt %d refused: %v", i+1, err)
		}
	}
	var limited *RateLimitedError
	if err := fail(th, "fresh@example.com", "203.0.113.7", t0); !errors.As(err, &limited) || limited.RetryAfterSeconds() != 6 {
		t.Fatalf("21st failure from one address = %v; want RATE_LIMITED after 6 s", err)
	}
	if err := fail(th, "fresh@example.com", "203.0.113.8", t0); err != nil {
		t.Fatalf("another address was throttled: %v", err)
	}
	// The refused attempt did not use up the fresh account's attempts.
	for i := range 4 {
		if err := fail(th, "fresh@example.com", "198.51.100.1", t0); err != nil {
			t.Fatalf("fresh account attempt %d refused: %v", i+2, err)
		}
	}
	// IPv6 clients are grouped by /64.
	for i := range 20 {
		_ = fail(th, fmt.Sprintf("v6-%d@example.com", i), fmt.Sprintf("2001:db8:1:2::%x", i+1), t0)
	}
	if err := fail(th, "v6-new@example.com", "2001:db8:1:2:ffff::1", t0); err == nil {
		t.Fatal("a new address in the same /64 was not throttled")
	}
}

func TestAttemptsInFlightCount(t *testing.T) {
	th := NewLoginThrottle(LoginLimits{AccountFailures: 3})
	var open []*LoginAttempt
	for range 3 {
		a, err := th.Begin("ann@example.com", "", t0)
		if err != nil {
			t.Fatal(err)
		}
		open = append(open, a)
	}
	if _, err := th.Begin("ann@example.com", "", t0); err == nil {
		t.Fatal("a fourth attempt was admitted while three were in flight")
	}
	open[0].Finish(t0, false)
	a, err := th.Begin("ann@example.com", "", t0)
	if err != nil {
		t.Fatalf("an attempt was refused after one in flight succeeded: %v", err)
	}
	a.Finish(t0, true)
	open[1].Finish(t0, true)
	open[2].Finish(t0, true)
	if _, err := th.Begin("ann@example.com", "", t0); err == nil {
		t.Fatal("admitted after three failures")
	}
}

func TestIdleKeysAreForgottenAndMemoryIsBounded(t *testing.T) {
	th := NewLoginThrottle(LoginLimits{MaxTrackedKeys: 50})
	for i := range 200 {
		_ = fail(th, fmt.Sprintf("spray%d@example.com", i), fmt.Sprintf("10.1.%d.%d", i/250, i%250), t0)
	}
	if n := th.accounts.tracked(); n > 50 {
		t.Fatalf("%d accounts tracked, want at most 50", n)
	}
	// Long after, every bucket has refilled: the next attempt sweeps them.
	later := t0.Add(time.Hour)
	a, err := th.Begin("late@example.com", "10.9.9.9", later)
	if err != nil {
		t.Fatal(err)
	}
	a.Finish(later, false)
	if n, m := th.accounts.tracked(), th.addresses.tracked(); n != 1 || m != 1 {
		t.Fatalf("after the sweep %d accounts and %d addresses tracked, want 1 and 1", n, m)
	}
}

func TestNilThrottleAdmitsEverything(t *testing.T) {
	var th *LoginThrottle
	a, err := th.Begin("x@example.com", "10.0.0.1", t0)
	if err != nil {
		t.Fatal(err)
	}
	a.Finish(t0, true)
}
