package auth

import (
	"fmt"
	"math"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"golang.org/x/time/rate"
)

// LoginLimits bound how fast logins may fail, per account (email) and per
// client address. Each is a token bucket of failed attempts: Failures at
// once, then one more every Interval. Zero fields take the defaults.
type LoginLimits struct {
	// AccountFailures is how many failed logins an email may have in a
	// row before it is throttled (default 5).
	AccountFailures int
	// AccountInterval is how often a throttled email gets one more
	// attempt (default 1 minute).
	AccountInterval time.Duration
	// AddressFailures is how many failed logins one client address may
	// have in a row, over any emails (default 20).
	AddressFailures int
	// AddressInterval is how often a throttled address gets one more
	// attempt (default 6 seconds).
	AddressInterval time.Duration
	// MaxTrackedKeys bounds the emails and the addresses remembered at
	// once, each (default 100,000); beyond it the least recently seen is
	// forgotten.
	MaxTrackedKeys int
}

// DefaultLoginLimits are the limits used for zero LoginLimits fields.
var DefaultLoginLimits = LoginLimits{
	AccountFailures: 5,
	AccountInterval: time.Minute,
	AddressFailures: 20,
	AddressInterval: 6 * time.Second,
	MaxTrackedKeys:  100_000,
}

// RateLimitedError refuses a login attempt without checking the password,
// because the account or the client address failed too often.
type RateLimitedError struct {
	// RetryAfter is when the next attempt may be made.
	RetryAfter time.Duration
}

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("too many failed login attempts; try again in %d seconds", e.RetryAfterSeconds())
}

// RetryAfterSeconds is RetryAfter rounded up to whole seconds (at least 1).
func (e *RateLimitedError) RetryAfterSeconds() int {
	return max(1, int(math.Ceil(e.RetryAfter.Seconds())))
}

// LoginThrottle throttles failed logins per account and per client
// address. Only failures use up attempts: a successful login costs
// nothing and restores nothing, so logging in to an account one owns does
// not help guessing another's password. Attempts in flight count as
// failures until they finish, so concurrent requests cannot overshoot the
// limit.
type LoginThrottle struct {
	accounts  *keyedLimiter
	addresses *keyedLimiter
}

// NewLoginThrottle returns a throttle with the given limits; zero fields
// take DefaultLoginLimits.
func NewLoginThrottle(limits LoginLimits) *LoginThrottle {
	d := DefaultLoginLimits
	pick := func(v, def int) int {
		if v > 0 {
			return v
		}
		return def
	}
	pickDur := func(v, def time.Duration) time.Duration {
		if v > 0 {
			return v
		}
		return def
	}
	size := pick(limits.MaxTrackedKeys, d.MaxTrackedKeys)
	return &LoginThrottle{
		accounts: newKeyedLimiter(pick(limits.AccountFailures, d.AccountFailures),
			pickDur(limits.AccountInterval, d.AccountInterval), size),
		addresses: newKeyedLimiter(pick(limits.AddressFailures, d.AddressFailures),
			pickDur(limits.AddressInterval, d.AddressInterval), size),
	}
}

// LoginAttempt is an attempt admitted by the throttle; Finish must be
// called once its outcome is known.
type LoginAttempt struct {
	throttle *LoginThrottle
	account  string
	address  string
}

// Begin admits a login attempt for the email from the client address
// ("" when unknown), or refuses it with a *RateLimitedError. A nil
// throttle admits everything.
func (t *LoginThrottle) Begin(email, address string, now time.Time) (*LoginAttempt, error) {
	if t == nil {
		return nil, nil
	}
	account := accountKey(email)
	address = addressKey(address)
	wait, ok := t.accounts.begin(account, now)
	if !ok {
		return nil, &RateLimitedError{RetryAfter: wait}
	}
	if address != "" {
		if wait, ok := t.addresses.begin(address, now); !ok {
			t.accounts.end(account, now, false)
			return nil, &RateLimitedError{RetryAfter: wait}
		}
	}
	return &LoginAttempt{throttle: t, account: account, address: address}, nil
}

// Finish records the attempt's outcome: a failure uses up an attempt of
// the account and of the address. A nil attempt does nothing.
func (a *LoginAttempt) Finish(now time.Time, failed bool) {
	if a == nil {
		return
	}
	a.throttle.accounts.end(a.account, now, failed)
	if a.address != "" {
		a.throttle.addresses.end(a.address, now, failed)
	}
}

// accountKey is the normalised email, bounded so that a huge email cannot
// take much memory (no real address is longer than 320 bytes).
func accountKey(email string) string {
	email = normalizeEmail(email)
	if len(email) > 320 {
		email = email[:320]
	}
	return email
}

// addressKey groups IPv6 clients by their /64 network, which one host
// usually controls whole; IPv4 addresses stand for themselves.
func addressKey(address string) string {
	ip, err := netip.ParseAddr(address)
	if err != nil {
		return address
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}

func normalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// keyedLimiter keeps a token bucket (rate.Limiter) per key, in an LRU of
// bounded size. A bucket that has refilled completely is the same as a
// new one, so such idle keys are dropped on a periodic sweep.
type keyedLimiter struct {
	burst int
	every time.Duration

	mu        sync.Mutex
	keys      *simplelru.LRU[string, *bucket]
	lastSweep time.Time
}

type bucket struct {
	limiter *rate.Limiter
	// pending counts admitted attempts that have not finished.
	pending int
}

const sweepInterval = time.Minute

func newKeyedLimiter(burst int, every time.Duration, size int) *keyedLimiter {
	keys, err := simplelru.NewLRU[string, *bucket](size, nil)
	if err != nil {
		panic(fmt.Sprintf("auth: LRU of size %d: %v", size, err)) // size is always positive here.
	}
	return &keyedLimiter{burst: burst, every: every, keys: keys}
}

// begin admits an attempt for key unless its failures in flight and past
// have used up the bucket; then it returns how long until one is free.
func (l *keyedLimiter) begin(key string, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	b, ok := l.keys.Get(key)
	if !ok {
		b = &bucket{limiter: rate.NewLimiter(rate.Every(l.every), l.burst)}
		l.keys.Add(key, b)
	}
	available := b.limiter.TokensAt(now) - float64(b.pending)
	if available < 1 {
		missing := 1 - available
		return time.Duration(missing * float64(l.every)), false
	}
	b.pending++
	return 0, true
}

// end finishes an attempt begun for key; a failed one takes a token.
func (l *keyedLimiter) end(key string, now time.Time, failed bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.keys.Peek(key)
	if !ok {
		// Forgotten while in flight (the LRU was full): start it again
		// so a failure still counts.
		b = &bucket{limiter: rate.NewLimiter(rate.Every(l.every), l.burst), pending: 1}
		l.keys.Add(key, b)
	}
	b.pending--
	if failed {
		b.limiter.AllowN(now, 1)
	}
}

// sweep drops idle keys at most once per sweepInterval.
func (l *keyedLimiter) sweep(now time.Time) {
	if now.Sub(l.lastSweep) < sweepInterval {
		return
	}
	l.lastSweep = now
	for _, key := range l.keys.Keys() {
		b, _ := l.keys.Peek(key)
		if b.pending == 0 && b.limiter.TokensAt(now) >= float64(l.burst) {
			l.keys.Remove(key)
		}
	}
}

// tracked reports how many keys the limiter remembers (for tests).
func (l *keyedLimiter) tracked() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.keys.Len()
}
