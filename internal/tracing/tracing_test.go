package tracing_test

import (
	"testing"

	"helpdesk/internal/tracing"
)

// TestNewProvider checks that no endpoint means no tracing, and that an
// endpoint that is not an http(s) URL is refused.
func TestNewProvider(t *testing.T) {
	tp, stop, err := tracing.NewProvider(t.Context(), "")
	if err != nil || tp != nil {
		t.Fatalf("empty endpoint: provider %v, error %v", tp, err)
	}
	if err := stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := tracing.NewProvider(t.Context(), "ftp://collector:4318"); err == nil {
		t.Fatal("ftp endpoint accepted")
	}
	tp, stop, err = tracing.NewProvider(t.Context(), "localhost:4318")
	if err != nil || tp == nil {
		t.Fatalf("host:port endpoint: provider %v, error %v", tp, err)
	}
	if err := stop(t.Context()); err != nil {
		t.Fatal(err)
	}
}
