package input

import (
	"errors"
	"testing"

	"helpdesk/internal/apperr"
)

func TestEmail(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"Ann@Example.com", "ann@example.com", true},
		{"  bob@shop.vn ", "bob@shop.vn", true},
		{"not-an-email", "", false},
		{"Ann <ann@example.com>", "", false},
		{"ann@localhost", "", false},
		{"", "", false},
	} {
		got, err := Email("input.email", tc.in)
		if tc.ok != (err == nil) || got != tc.want {
			t.Errorf("Email(%q) = %q, %v; want %q, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
		if err != nil {
			e, _ := apperr.As(err)
			if !errors.Is(err, apperr.ErrBadUserInput) || e.Field != "input.email" {
				t.Errorf("Email(%q) error %v does not name input.email as BAD_USER_INPUT", tc.in, err)
			}
		}
	}
}

func TestText(t *testing.T) {
	if got, err := Text("input.title", "  Printer jam ", 20); err != nil || got != "Printer jam" {
		t.Fatalf("Text trims: got %q, %v", got, err)
	}
	if _, err := Text("input.title", "   ", 20); err == nil {
		t.Fatal("blank text accepted")
	}
	if _, err := Text("input.title", "ổ cứng hỏng", 11); err != nil {
		t.Fatalf("runes counted as bytes? %v", err)
	}
	if _, err := Text("input.title", "ổ cứng hỏng!", 11); err == nil {
		t.Fatal("over-long text accepted")
	}
	if v, err := OptionalText("input.phone", " ", 10); v != nil || err != nil {
		t.Fatalf("OptionalText blank = %v, %v; want nil, nil", v, err)
	}
}

func TestTimeZone(t *testing.T) {
	if _, err := TimeZone("input.timezone", "Asia/Ho_Chi_Minh"); err != nil {
		t.Fatal(err)
	}
	if _, err := TimeZone("input.timezone", "Mars/Olympus"); err == nil {
		t.Fatal("unknown zone accepted")
	}
}
