package export

import "testing"

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
