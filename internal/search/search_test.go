package search

import (
	"errors"
	"slices"
	"testing"

	"helpdesk/internal/apperr"
)

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Khiếu nại":           "khieu nai",
		"ĐIỆN THOẠI đơn hàng": "dien thoai don hang",
		"Nguyễn Văn Đức":      "nguyen van duc",
		"Cà phê sữa đá":       "ca phe sua da",
		"ระบบตั๋วสนับสนุนลูกค้า": "ระบบตั๋วสนับสนุนลูกค้า", // Thai marks are letters' parts, kept
		"Crème Brûlée": "creme brulee",
		// Decomposed input folds like composed input.
		"khie\u0302\u0301u na\u0323i": "khieu nai",
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParse(t *testing.T) {
	for _, c := range []struct {
		in     string
		terms  []string
		number int
	}{
		{"Khiếu  nại", []string{"khieu", "nai"}, 0},
		{"#1042", []string{"1042"}, 1042},
		{"1042", []string{"1042"}, 1042},
		{"1042 refund", []string{"1042", "refund"}, 0},
		{"50%_off", []string{"50", "off"}, 0},
		{"nai nai", []string{"nai"}, 0},
		{"+84", []string{"+84"}, 0},
		{"#7", []string{"7"}, 7},
		{"le van duc", []string{"le", "van", "duc"}, 0},
	} {
		q, err := Parse("search", c.in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.in, err)
		}
		if !slices.Equal(q.Terms, c.terms) || q.Number != c.number {
			t.Errorf("Parse(%q) = %+v, want terms %q number %d", c.in, q, c.terms, c.number)
		}
	}
	for _, bad := range []string{"", "   ", "%%", "#", "a b c d e f g h i", "xe", "le do", "7 ab", string(make([]rune, MaxQueryLength+1)), "\xff"} {
		_, err := Parse("search", bad)
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != apperr.CodeBadUserInput || ae.Field != "search" {
			t.Errorf("Parse(%q) = %v, want BAD_USER_INPUT on search", bad, err)
		}
	}
}

func TestPhoneText(t *testing.T) {
	if got := phoneText("+84 90 123-4567"); got != "+84 90 123-4567 84901234567" {
		t.Errorf("phoneText = %q", got)
	}
	if got := phoneText("0901234567"); got != "0901234567" {
		t.Errorf("phoneText of digits = %q", got)
	}
}
