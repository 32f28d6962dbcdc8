package export

import (
	"reflect"
	"testing"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// TestSubsetTrueType: the subset of Noto Sans for some Vietnamese letters
// (composite glyphs among them) draws them exactly as the font does,
// keeps every glyph id, has no outline for other letters, and carries
// valid checksums.
func TestSubsetTrueType(t *testing.T) {
	full, err := sfnt.Parse(notoSans)
	if err != nil {
		t.Fatal(err)
	}
	var buf sfnt.Buffer
	used := "Khiếu nại Đức ỗ"
	keep := map[uint16]bool{}
	for _, r := range used {
		id, err := full.GlyphIndex(&buf, r)
		if err != nil || id == 0 {
			t.Fatalf("Noto Sans has no %q", r)
		}
		keep[uint16(id)] = true
	}
	out, err := subsetTrueType(notoSans, keep)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := sfnt.Parse(out)
	if err != nil {
		t.Fatalf("parsing the subset: %v", err)
	}
	if sub.NumGlyphs() != full.NumGlyphs() || len(out) > len(notoSans)/4 {
		t.Fatalf("subset: %d glyphs of %d, %d bytes of %d", sub.NumGlyphs(), full.NumGlyphs(), len(out), len(notoSans))
	}
	outline := func(f *sfnt.Font, r rune) sfnt.Segments {
		id, err := f.GlyphIndex(&buf, r)
		if err != nil {
			t.Fatal(err)
		}
		segs, err := f.LoadGlyph(&buf, id, fixed.I(1000), nil)
		if err != nil {
			t.Fatalf("loading %q: %v", r, err)
		}
		return append(sfnt.Segments(nil), segs...)
	}
	for _, r := range used {
		if want, got := outline(full, r), outline(sub, r); len(want) == 0 && r != ' ' || !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: %d segments in the subset, %d in the font", r, len(got), len(want))
		}
	}
	if segs := outline(sub, 'Q'); len(segs) != 0 {
		t.Fatalf("the unused Q has %d segments", len(segs))
	}
	if sum := checksum(out); sum != 0xB1B0AFBA {
		t.Fatalf("whole-file checksum %#x", sum)
	}
	if _, err := subsetTrueType(notoSans[:100], keep); err == nil {
		t.Fatal("a truncated font was subset")
	}
}
