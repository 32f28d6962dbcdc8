package apperr

import (
	"errors"
	"fmt"
	"testing"
)

func TestIsMatchesCodeThroughWrapping(t *testing.T) {
	err := fmt.Errorf("creating ticket: %w", Invalid("input.title", "must not be empty"))
	if !errors.Is(err, ErrBadUserInput) {
		t.Fatalf("errors.Is(%v, ErrBadUserInput) = false", err)
	}
	if errors.Is(err, ErrNotFound) {
		t.Fatalf("a BAD_USER_INPUT error matched ErrNotFound")
	}
	e, ok := As(err)
	if !ok || e.Field != "input.title" {
		t.Fatalf("As() = %+v, %v; want field input.title", e, ok)
	}
	if got := e.Error(); got != "input.title: must not be empty" {
		t.Fatalf("Error() = %q", got)
	}
}
