package notify

import (
	"slices"
	"testing"
)

func TestHandles(t *testing.T) {
	for _, c := range []struct {
		text string
		want []string
	}{
		{"@ana.lima, please look.", []string{"ana.lima"}},
		{"Ask @Bob. Then @bob again and @carl_x!", []string{"bob", "carl_x"}},
		{"mail bob@example.com or x@y", nil},
		{"(@dana) and @e-f-", []string{"dana", "e-f"}},
		{"@@x @", []string{}},
		{"line\n@first-thing", []string{"first-thing"}},
	} {
		got := Handles(c.text)
		if !slices.Equal(got, c.want) && !(len(got) == 0 && len(c.want) == 0) {
			t.Errorf("Handles(%q) = %q, want %q", c.text, got, c.want)
		}
	}
	if h := Handle("Ana.Lima@Example.com"); h != "ana.lima" {
		t.Errorf("Handle = %q", h)
	}
}
