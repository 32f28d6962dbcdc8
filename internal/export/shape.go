package export

import (
	"math"
	"unicode"

	"github.com/go-text/typesetting/di"
	gtfont "github.com/go-text/typesetting/font"
	ot "github.com/go-text/typesetting/font/opentype"
	"github.com/go-text/typesetting/language"
	"github.com/go-text/typesetting/shaping"
	"golang.org/x/image/math/fixed"
)

// placedGlyph is one glyph of a run as laid out: its id in the font, its
// advance and its offset from the pen (thousandths of an em, y upwards),
// and the text it stands for when the PDF's text is copied.
type placedGlyph struct {
	id          uint16
	adv, dx, dy int32
	// r is the one character the glyph stands for; when it is 0 the
	// glyph stands for text, which may be several characters (a cluster
	// the shaper set in fewer or more glyphs than characters: its first
	// glyph carries the cluster's text, the others none).
	r    rune
	text string
	// last is set on the last glyph of a cluster: a run may be cut after
	// it, never inside a cluster.
	last bool
}

// needsShaping reports whether a run has anything a shaper does beyond
// setting each character's own glyph: combining marks (Thai vowels above
// and below and tone marks; Vietnamese diacritics typed as separate
// marks), which the shaper substitutes and positions against their base.
// Kerning and ligatures are left off everywhere, so a run without marks
// is set the same either way and takes the quicker path.
func needsShaping(text string) bool {
	for _, r := range text {
		if r >= 0x0300 && unicode.Is(unicode.Mn, r) {
			return true
		}
	}
	return false
}

// noKerning turns off the features that would make a shaped run differ
// from an unshaped one where no mark is involved.
var noKerning = []shaping.FontFeature{
	{Tag: ot.MustNewTag("kern"), Value: 0},
	{Tag: ot.MustNewTag("liga"), Value: 0},
	{Tag: ot.MustNewTag("clig"), Value: 0},
}

// shaper shapes the runs of one PDF with HarfBuzz's OpenType rules (the
// go-text port): glyph substitutions and mark positioning from the
// font's GSUB and GPOS tables. Not safe for concurrent use.
type shaper struct {
	hb    shaping.HarfbuzzShaper
	runes []rune
}

// shape lays text out in face (of upem units per em) as glyphs with
// their advances and offsets.
func (s *shaper) shape(face *gtfont.Face, upem float64, script language.Script, text string) []placedGlyph {
	s.runes = s.runes[:0]
	for _, r := range text {
		s.runes = append(s.runes, r)
	}
	runes := s.runes
	out := s.hb.ShapeNoExtents(shaping.Input{
		Text: runes, RunStart: 0, RunEnd: len(runes),
		Direction: di.DirectionLTR, Face: face, Size: fixed.I(int(upem)),
		Script: script, FontFeatures: noKerning,
	})
	per1000 := func(v fixed.Int26_6) int32 { return int32(math.Round(float64(v) / 64 * 1000 / upem)) }
	gs := make([]placedGlyph, len(out.Glyphs))
	first := 0 // index of the first glyph of the current cluster
	for i, g := range out.Glyphs {
		if i > 0 && g.ClusterIndex != out.Glyphs[i-1].ClusterIndex {
			first = i
		}
		p := placedGlyph{id: uint16(g.GlyphID), adv: per1000(g.Advance), dx: per1000(g.XOffset), dy: per1000(g.YOffset)}
		start, end := g.ClusterIndex, min(g.ClusterIndex+g.RuneCount, len(runes))
		switch {
		case g.RuneCount == g.GlyphCount:
			p.r = runes[start+i-first]
		case i == first:
			p.text = string(runes[start:end])
		}
		p.last = i == len(out.Glyphs)-1 || out.Glyphs[i+1].ClusterIndex != g.ClusterIndex
		gs[i] = p
	}
	return gs
}

// scriptOf is the script a run is shaped as: Thai in the Thai font, else
// the script of its first letter (Latin when it has none).
func scriptOf(font int, text string) language.Script {
	if font == fontThai {
		return language.Thai
	}
	for _, r := range text {
		switch sc := language.LookupScript(r); sc {
		case language.Common, language.Inherited, language.Unknown:
		default:
			return sc
		}
	}
	return language.Latin
}

// shapeCacheSize bounds the shaped runs a PDF keeps (repeated values such
// as names and teams are shaped once); the cache is emptied when full.
const (
	shapeCacheSize = 256
	shapeCacheText = 200 // bytes: longer runs are not kept
)

type shapeKey struct {
	font int
	text string
}
