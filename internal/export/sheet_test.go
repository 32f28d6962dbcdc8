package export

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
)

// TestCSVDefusesFormulas: text a spreadsheet would run as a formula is
// written with a leading apostrophe; other text, and times and numbers,
// as they are.
func TestCSVDefusesFormulas(t *testing.T) {
	var out bytes.Buffer
	s, err := newCSVSheet(&out)
	if err != nil {
		t.Fatal(err)
	}
	in := []string{"7", "=HYPERLINK(\"http://evil\",\"x\")", "+1 555", "-2+3", "@SUM(A1)", "\tx", "Khiếu nại = 1", "2026-11-25 09:30", "1:02:03"}
	if err := s.header(Columns[:len(in)]); err != nil {
		t.Fatal(err)
	}
	if err := s.row(in); err != nil {
		t.Fatal(err)
	}
	if err := s.close(); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(out.String(), "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"7", "'=HYPERLINK(\"http://evil\",\"x\")", "'+1 555", "'-2+3", "'@SUM(A1)", "'\tx", "Khiếu nại = 1", "2026-11-25 09:30", "1:02:03"}
	if len(rows) != 2 || strings.Join(rows[1], "|") != strings.Join(want, "|") || in[1][0] != '=' {
		t.Fatalf("rows = %q", rows)
	}
}

func TestScriptRuns(t *testing.T) {
	runs := scriptRuns("Đơn ระบบ ตั๋ว #12")
	want := []run{{fontLatin, "Đơn "}, {fontThai, "ระบบ ตั๋ว "}, {fontLatin, "#12"}}
	if len(runs) != len(want) {
		t.Fatalf("runs = %v", runs)
	}
	for i := range want {
		if runs[i] != want[i] {
			t.Fatalf("runs = %v, want %v", runs, want)
		}
	}
}

func TestParseWhere(t *testing.T) {
	w, err := ParseWhere([]byte(`{"statusIn":["OPEN"],"inCategory":"cat_x","or":[{"priority":"HIGH"},{"not":{"hasTeam":true}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(w.StatusIn) != 1 || len(w.Predicates) != 1 || len(w.Or) != 2 || w.Or[1].Not == nil || w.Or[1].Not.HasTeam == nil {
		t.Fatalf("ParseWhere = %+v", w)
	}
	for _, bad := range []string{`[`, `{"colour":1}`, `{"or":[{"colour":1}]}`, `[]`, `{"statusIn":"OPEN"}`} {
		if _, err := ParseWhere([]byte(bad)); err == nil {
			t.Errorf("ParseWhere(%s) accepted", bad)
		}
	}
	if w, err := ParseWhere(nil); w != nil || err != nil {
		t.Errorf("ParseWhere(empty) = %v, %v", w, err)
	}
}
