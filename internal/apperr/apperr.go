// Package apperr defines the typed errors the domain returns. The GraphQL
// layer maps each Code to `extensions.code` in one place; anything that is
// not an *Error is reported to clients as INTERNAL.
package apperr

import (
	"errors"
	"fmt"
)

// Code classifies an error for clients.
type Code string

// The codes clients see in `extensions.code`.
const (
	CodeUnauthenticated Code = "UNAUTHENTICATED"
	CodeForbidden       Code = "FORBIDDEN"
	CodeNotFound        Code = "NOT_FOUND"
	CodeBadUserInput    Code = "BAD_USER_INPUT"
	CodeConflict        Code = "CONFLICT"
	CodeInternal        Code = "INTERNAL"
	// CodeRateLimited refuses an attempt made too often (see
	// extensions.retryAfter, in seconds).
	CodeRateLimited Code = "RATE_LIMITED"
)

// Error is a domain error that is safe to show to a client.
type Error struct {
	Code Code
	// Field names the offending input field (GraphQL name, e.g.
	// "input.email") for BAD_USER_INPUT.
	Field   string
	Message string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s", e.Field, e.Message)
	}
	return e.Message
}

// Is makes errors.Is match on the code alone, so callers can test
// errors.Is(err, apperr.ErrNotFound).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Field == "" && t.Message == "" && t.Code == e.Code
}

// Sentinels for errors.Is.
var (
	ErrNotFound        = &Error{Code: CodeNotFound}
	ErrConflict        = &Error{Code: CodeConflict}
	ErrBadUserInput    = &Error{Code: CodeBadUserInput}
	ErrUnauthenticated = &Error{Code: CodeUnauthenticated}
	ErrForbidden       = &Error{Code: CodeForbidden}
)

// Invalid reports bad input in one field.
func Invalid(field, format string, args ...any) error {
	return &Error{Code: CodeBadUserInput, Field: field, Message: fmt.Sprintf(format, args...)}
}

// NotFound reports that the named thing does not exist (or is not visible).
func NotFound(format string, args ...any) error {
	return &Error{Code: CodeNotFound, Message: fmt.Sprintf(format, args...)}
}

// Conflict reports a write that lost a race or breaks a uniqueness rule.
func Conflict(format string, args ...any) error {
	return &Error{Code: CodeConflict, Message: fmt.Sprintf(format, args...)}
}

// Unauthenticated reports a missing, invalid or expired credential.
func Unauthenticated(message string) error {
	return &Error{Code: CodeUnauthenticated, Message: message}
}

// Forbidden reports an action the viewer may not take.
func Forbidden(message string) error {
	return &Error{Code: CodeForbidden, Message: message}
}

// As returns the *Error inside err, if any.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}
