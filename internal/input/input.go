// Package input checks and normalises values arriving from clients. Each
// check names the GraphQL field it is checking, so a failure becomes a
// BAD_USER_INPUT error pointing at that field.
package input

import (
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
