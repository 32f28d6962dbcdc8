package export

import (
	"testing"
	"time"

	"helpdesk/ent"
)

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

func TestSLAState(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	at := func(h int) *time.Time { v := now.Add(time.Duration(h) * time.Hour); return &v }
	for _, c := range []struct {
		t    ent.Ticket
		want string
	}{
		{ent.Ticket{}, ""},
		{ent.Ticket{FirstResponseDueAt: at(1)}, "ON_TRACK"},
		{ent.Ticket{FirstResponseDueAt: at(-1)}, "BREACHED"},
		{ent.Ticket{FirstResponseDueAt: at(-1), FirstRespondedAt: at(-2)}, "ON_TRACK"},
		{ent.Ticket{ResolutionDueAt: at(-1), ResolvedAt: at(-2)}, "MET"},
		{ent.Ticket{ResolutionDueAt: at(-3), ResolvedAt: at(-2)}, "BREACHED"},
	} {
		if got := SLAState(&c.t, now); got != c.want {
			t.Errorf("SLAState(%+v) = %q, want %q", c.t, got, c.want)
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
