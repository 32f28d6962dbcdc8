// Package input checks and normalises values arriving from clients. Each
// check names the GraphQL field it is checking, so a failure becomes a
// BAD_USER_INPUT error pointing at that field.
package input

import (
	"encoding/json"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"helpdesk/internal/apperr"
)

// Text trims s and checks it is not empty and at most max characters long.
func Text(field, s string, max int) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", apperr.Invalid(field, "must not be empty")
	}
	if utf8.RuneCountInString(s) > max {
		return "", apperr.Invalid(field, "must be at most %d characters", max)
	}
	return s, nil
}

// OptionalText is Text for a field that may be empty: it returns nil for
// an empty (or all-blank) value.
func OptionalText(field, s string, max int) (*string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	v, err := Text(field, s, max)
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// Email checks that s is a bare email address and returns it lower-cased.
func Email(field, s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return "", apperr.Invalid(field, "%q is not a valid email address", s)
	}
	if len(s) > 320 {
		return "", apperr.Invalid(field, "must be at most 320 characters")
	}
	return s, nil
}

// TimeZone checks that name is a known IANA time zone.
func TimeZone(field, name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", apperr.Invalid(field, "must not be empty")
	}
	if _, err := time.LoadLocation(name); err != nil {
		return "", apperr.Invalid(field, "%q is not a known time zone", name)
	}
	return name, nil
}

// Items checks that a list input has at most max items; it is checked
// before any item is looked at, so an oversized list costs nothing.
func Items(field string, n, max int) error {
	if n > max {
		return apperr.Invalid(field, "must have at most %d items, got %d", max, n)
	}
	return nil
}

// Limits for free-form JSON maps (custom fields, external ids).
const (
	MaxMapKeys     = 50
	MaxMapKeyChars = 100
	MaxMapBytes    = 16 << 10
)

// Map checks a free-form JSON object: at most MaxMapKeys keys, each
// non-empty and at most MaxMapKeyChars characters, and at most
// MaxMapBytes once encoded. A nil map is returned as an empty one.
func Map(field string, m map[string]any) (map[string]any, error) {
	if m == nil {
		return map[string]any{}, nil
	}
	if len(m) > MaxMapKeys {
		return nil, apperr.Invalid(field, "must have at most %d keys, got %d", MaxMapKeys, len(m))
	}
	for k := range m {
		if strings.TrimSpace(k) == "" || utf8.RuneCountInString(k) > MaxMapKeyChars {
			return nil, apperr.Invalid(field, "keys must be non-empty and at most %d characters", MaxMapKeyChars)
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, apperr.Invalid(field, "must be a JSON object")
	}
	if len(b) > MaxMapBytes {
		return nil, apperr.Invalid(field, "must be at most %d bytes as JSON, got %d", MaxMapBytes, len(b))
	}
	return m, nil
}
