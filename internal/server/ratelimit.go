package server

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"helpdesk/internal/apperr"
	"helpdesk/internal/auth"
)

// RateLimits bound how often one caller may use /graphql, so that one
// heavy integration cannot slow everyone else: each token (an agent's
// login, an API token) and each client address has a token bucket that
// refills at Per… requests per second up to its burst. A request over
// either limit is refused with RATE_LIMITED and the seconds to wait.
// Zero fields take DefaultRateLimits'; a negative rate turns that limit
// off.
type RateLimits struct {
	PerToken     float64
	TokenBurst   int
	PerAddress   float64
	AddressBurst int
}

// DefaultRateLimits are generous: far above what a person's client sends,
// low enough that one runaway integration is held to its share.
var DefaultRateLimits = RateLimits{PerToken: 100, TokenBurst: 300, PerAddress: 300, AddressBurst: 600}

// WithDefaults returns l with every zero field set to its default.
func (l RateLimits) WithDefaults() RateLimits {
	d := DefaultRateLimits
	if l.PerToken == 0 {
		l.PerToken = d.PerToken
	}
	if l.TokenBurst <= 0 {
		l.TokenBurst = d.TokenBurst
	}
	if l.PerAddress == 0 {
		l.PerAddress = d.PerAddress
	}
	if l.AddressBurst <= 0 {
		l.AddressBurst = d.AddressBurst
	}
	return l
}

// limitRate refuses requests over the caller's token or address limit.
// It runs after authentication, which names the token's viewer.
func limitRate(limits RateLimits, next http.Handler) http.Handler {
	limits = limits.WithDefaults()
	tokens := newBuckets(limits.PerToken, limits.TokenBurst)
	addresses := newBuckets(limits.PerAddress, limits.AddressBurst)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		var taken []*rate.Reservation
		refuse := func(wait time.Duration) {
			for _, t := range taken {
				t.CancelAt(now)
			}
			writeRateLimited(w, wait)
		}
		if v, ok := auth.ViewerFrom(r.Context()); ok {
			if res, wait := tokens.take(v.LogName(), now); wait > 0 {
				refuse(wait)
				return
			} else if res != nil {
				taken = append(taken, res)
			}
		}
		if addr, ok := auth.ClientAddressFrom(r.Context()); ok {
			if _, wait := addresses.take(addr, now); wait > 0 {
				refuse(wait)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// writeRateLimited answers 429 with a Retry-After header and a GraphQL
// error carrying the same wait.
func writeRateLimited(w http.ResponseWriter, wait time.Duration) {
	seconds := int(math.Ceil(wait.Seconds()))
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Retry-After", strconv.Itoa(seconds))
	w.WriteHeader(http.StatusTooManyRequests)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []any{map[string]any{
		"message":    "too many requests; retry after " + strconv.Itoa(seconds) + "s",
		"extensions": map[string]any{"code": string(apperr.CodeRateLimited), "retryAfter": seconds},
	}}})
}

// buckets holds one limiter per key; idle ones are dropped.
type buckets struct {
	limit rate.Limit
	burst int
	off   bool

	mu       sync.Mutex
	byKey    map[string]*bucket
	lastPrun time.Time
}

type bucket struct {
	limiter *rate.Limiter
	seen    time.Time
}

// idleBucket is how long a key's limiter is kept after its last request:
// by then a full bucket would have refilled anyway.
const idleBucket = 10 * time.Minute

func newBuckets(perSecond float64, burst int) *buckets {
	return &buckets{limit: rate.Limit(perSecond), burst: burst, off: perSecond < 0, byKey: map[string]*bucket{}}
}

// take takes one request from key's bucket: it returns the reservation
// (to give back if another limit refuses) or how long to wait.
func (b *buckets) take(key string, now time.Time) (*rate.Reservation, time.Duration) {
	if b.off {
		return nil, 0
	}
	b.mu.Lock()
	if now.Sub(b.lastPrun) > time.Minute {
		for k, v := range b.byKey {
			if now.Sub(v.seen) > idleBucket {
				delete(b.byKey, k)
			}
		}
		b.lastPrun = now
	}
	e, ok := b.byKey[key]
	if !ok {
		e = &bucket{limiter: rate.NewLimiter(b.limit, b.burst)}
		b.byKey[key] = e
	}
	e.seen = now
	b.mu.Unlock()
	res := e.limiter.ReserveN(now, 1)
	if wait := res.DelayFrom(now); wait > 0 {
		res.CancelAt(now)
		return nil, wait
	}
	return res, 0
}
