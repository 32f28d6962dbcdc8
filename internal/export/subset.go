package export

import (
	"encoding/binary"
	"errors"
	"slices"
)

// subsetTrueType returns the TrueType font src with the outlines of every
// glyph but those in keep (and .notdef, and the parts composite glyphs
// are made of) left empty. Glyph ids do not change, so a PDF's codes,
// which are glyph ids, stay valid; the layout tables (GDEF, GPOS, GSUB),
// which no PDF viewer reads, are left out.
func subsetTrueType(src []byte, keep map[uint16]bool) ([]byte, error) {
	bad := errors.New("malformed TrueType font")
	if len(src) < 12 {
		return nil, bad
	}
	type table struct {
		tag  string
		data []byte
	}
	var tables []table
	byTag := map[string][]byte{}
	n := int(binary.BigEndian.Uint16(src[4:]))
	for i := range n {
		rec := 12 + 16*i
		if rec+16 > len(src) {
			return nil, bad
		}
		tag := string(src[rec : rec+4])
		off, length := int(binary.BigEndian.Uint32(src[rec+8:])), int(binary.BigEndian.Uint32(src[rec+12:]))
		if off < 0 || length < 0 || off+length > len(src) {
			return nil, bad
		}
		byTag[tag] = src[off : off+length]
		tables = append(tables, table{tag, src[off : off+length]})
	}
	head, maxp, loca, glyf := byTag["head"], byTag["maxp"], byTag["loca"], byTag["glyf"]
	if len(head) < 54 || len(maxp) < 6 || loca == nil || glyf == nil {
		return nil, bad
	}
	glyphs := int(binary.BigEndian.Uint16(maxp[4:]))
	long := binary.BigEndian.Uint16(head[50:]) == 1
	offset := func(i int) (int, bool) {
		if long {
			if 4*i+4 > len(loca) {
				return 0, false
			}
			return int(binary.BigEndian.Uint32(loca[4*i:])), true
		}
		if 2*i+2 > len(loca) {
			return 0, false
		}
		return 2 * int(binary.BigEndian.Uint16(loca[2*i:])), true
	}
	outline := func(id int) []byte {
		start, ok1 := offset(id)
		end, ok2 := offset(id + 1)
		if !ok1 || !ok2 || start > end || end > len(glyf) {
			return nil
		}
		return glyf[start:end]
	}

	// The glyphs kept, with the components of composite glyphs.
	kept := make([]bool, glyphs)
	var add func(id int, depth int)
	add = func(id int, depth int) {
		if id >= glyphs || kept[id] || depth > 8 {
			return
		}
		kept[id] = true
		g := outline(id)
		if len(g) < 10 || int16(binary.BigEndian.Uint16(g)) >= 0 {
			return
		}
		for p := 10; p+4 <= len(g); {
			flags := binary.BigEndian.Uint16(g[p:])
			add(int(binary.BigEndian.Uint16(g[p+2:])), depth+1)
			p += 4
			if flags&0x0001 != 0 { // ARG_1_AND_2_ARE_WORDS
				p += 4
			} else {
				p += 2
			}
			switch {
			case flags&0x0008 != 0: // WE_HAVE_A_SCALE
				p += 2
			case flags&0x0040 != 0: // WE_HAVE_AN_X_AND_Y_SCALE
				p += 4
			case flags&0x0080 != 0: // WE_HAVE_A_TWO_BY_TWO
				p += 8
			}
			if flags&0x0020 == 0 { // MORE_COMPONENTS
				break
			}
		}
	}
	add(0, 0)
	for id := range keep {
		add(int(id), 0)
	}

	newGlyf := make([]byte, 0, len(glyf)/8)
	newLoca := make([]byte, 4*(glyphs+1))
	for id := range glyphs {
		binary.BigEndian.PutUint32(newLoca[4*id:], uint32(len(newGlyf)))
		if kept[id] {
			newGlyf = append(newGlyf, outline(id)...)
			for len(newGlyf)%4 != 0 {
				newGlyf = append(newGlyf, 0)
			}
		}
	}
	binary.BigEndian.PutUint32(newLoca[4*glyphs:], uint32(len(newGlyf)))
	newHead := slices.Clone(head)
	binary.BigEndian.PutUint16(newHead[50:], 1) // long offsets
	binary.BigEndian.PutUint32(newHead[8:], 0)  // checkSumAdjustment, set below
	tables = slices.DeleteFunc(tables, func(t table) bool { return t.tag == "GDEF" || t.tag == "GPOS" || t.tag == "GSUB" })
	for i, t := range tables {
		switch t.tag {
		case "head":
			tables[i].data = newHead
		case "loca":
			tables[i].data = newLoca
		case "glyf":
			tables[i].data = newGlyf
		}
	}

	// Offset table, table records (sorted by tag), then the tables, each
	// padded to four bytes.
	slices.SortFunc(tables, func(a, b table) int {
		if a.tag < b.tag {
			return -1
		}
		if a.tag > b.tag {
			return 1
		}
		return 0
	})
	count := len(tables)
	pow := 1
	for pow*2 <= count {
		pow *= 2
	}
	out := make([]byte, 12+16*count)
	copy(out, src[:4])
	binary.BigEndian.PutUint16(out[4:], uint16(count))
	binary.BigEndian.PutUint16(out[6:], uint16(16*pow))
	binary.BigEndian.PutUint16(out[8:], uint16(bitsLen(pow)-1))
	binary.BigEndian.PutUint16(out[10:], uint16(16*count-16*pow))
	headAt := 0
	for i, t := range tables {
		rec := 12 + 16*i
		copy(out[rec:], t.tag)
		binary.BigEndian.PutUint32(out[rec+4:], checksum(t.data))
		binary.BigEndian.PutUint32(out[rec+8:], uint32(len(out)))
		binary.BigEndian.PutUint32(out[rec+12:], uint32(len(t.data)))
		if t.tag == "head" {
			headAt = len(out)
		}
		out = append(out, t.data...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	binary.BigEndian.PutUint32(out[headAt+8:], 0xB1B0AFBA-checksum(out))
	return out, nil
}

// checksum is the TrueType checksum: the sum of the big-endian 32-bit
// words, the last one padded with zeros.
func checksum(b []byte) uint32 {
	var sum uint32
	for i := 0; i < len(b); i += 4 {
		var w [4]byte
		copy(w[:], b[i:min(i+4, len(b))])
		sum += binary.BigEndian.Uint32(w[:])
	}
	return sum
}

func bitsLen(n int) int {
	b := 0
	for ; n > 0; n >>= 1 {
		b++
	}
	return b
}
