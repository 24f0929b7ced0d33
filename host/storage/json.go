package storage

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/moonport/moonport/host/value"
)

// Prosody's SQL storage keeps tables as text in the format of its own
// util.json, which is JSON plus one convention for Lua tables that JSON
// cannot say directly: a table with both an array part and other keys, or
// keys that are not strings, is an object whose "__array" member is the
// array part and whose "__hash" member is a flat list of key, value,
// key, value for the keys that are not strings. The codec below reads and
// writes that format so rows move between Prosody and moonport both ways.

// EncodeJSON is v (storable data, see Check) in util.json's format. Hash
// keys are written sorted, so equal values give equal text.
func EncodeJSON(v any) (string, error) {
	var b strings.Builder
	if err := jsonEncode(&b, v); err != nil {
		return "", err
	}
	return b.String(), nil
}

func jsonEncode(b *strings.Builder, v any) error {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case float64:
		s, err := formatNumber(x)
		if err != nil {
			return err
		}
		b.WriteString(s)
	case string:
		jsonString(b, x)
	case *value.Table:
		return jsonTable(b, x)
	default:
		return fmt.Errorf("a value of type %T cannot be stored", v)
	}
	return nil
}

// formatNumber writes a number as Lua reads it back exactly: whole
// numbers without a fraction (as Lua 5.4 prints its integers), others in
// the shortest form that parses to the same float64. NaN and the
// infinities have no JSON form.
func formatNumber(x float64) (string, error) {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "", fmt.Errorf("the number %v cannot be stored (no JSON or Lua text reads back as it)", x)
	}
	if x == math.Trunc(x) && math.Abs(x) < 1<<63 {
		return strconv.FormatInt(int64(x), 10), nil
	}
	return strconv.FormatFloat(x, 'g', -1, 64), nil
}

// jsonString escapes as util.json does: the quote, the backslash and the
// control characters; every other byte is written as it is.
func jsonString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if c < 0x20 {
				fmt.Fprintf(b, `\u%04X`, c)
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
}

func jsonTable(b *strings.Builder, t *value.Table) error {
	var names, others []any // string keys; keys that go to "__hash"
	for k := range t.Hash {
		if s, ok := k.(string); ok && s != "__array" && s != "__hash" {
			names = append(names, k)
		} else {
			others = append(others, k)
		}
	}
	if len(names) == 0 && len(others) == 0 && len(t.Array) > 0 {
		return jsonArray(b, t.Array)
	}
	sortKeys(names)
	sortKeys(others)
	b.WriteByte('{')
	sep := ""
	for _, k := range names {
		b.WriteString(sep)
		sep = ","
		jsonString(b, k.(string))
		b.WriteByte(':')
		if err := jsonEncode(b, t.Hash[k]); err != nil {
			return err
		}
	}
	if len(others) > 0 {
		flat := make([]any, 0, 2*len(others))
		for _, k := range others {
			flat = append(flat, k, t.Hash[k])
		}
		b.WriteString(sep + `"__hash":`)
		sep = ","
		if err := jsonArray(b, flat); err != nil {
			return err
		}
	}
	if len(t.Array) > 0 {
		b.WriteString(sep + `"__array":`)
		if err := jsonArray(b, t.Array); err != nil {
			return err
		}
	}
	b.WriteByte('}')
	return nil
}

func jsonArray(b *strings.Builder, a []any) error {
	b.WriteByte('[')
	for i, e := range a {
		if i > 0 {
			b.WriteByte(',')
		}
		if err := jsonEncode(b, e); err != nil {
			return err
		}
	}
	b.WriteByte(']')
	return nil
}

// sortKeys orders keys of mixed types: booleans, then numbers, then
// strings, each in their natural order.
func sortKeys(keys []any) {
	rank := func(k any) int {
		switch k.(type) {
		case bool:
			return 0
		case float64:
			return 1
		}
		return 2
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra < rb
		}
		switch x := a.(type) {
		case bool:
			return !x && b.(bool)
		case float64:
			return x < b.(float64)
		}
		return a.(string) < b.(string)
	})
}

// DecodeJSON reads text in util.json's format (any JSON, plus its
// "__array"/"__hash" members) into storable data. JSON's null becomes
// nil: a member whose value is null is absent, as in a Lua table.
func DecodeJSON(s string) (any, error) {
	d := jsonDecoder{s: s}
	v, err := d.value()
	if err != nil {
		return nil, fmt.Errorf("util.json text at byte %d: %w", d.i, err)
	}
	d.space()
	if d.i < len(s) {
		return nil, fmt.Errorf("util.json text at byte %d: text after the value", d.i)
	}
	return v, nil
}

type jsonDecoder struct {
	s string
	i int
}

func (d *jsonDecoder) space() {
	for d.i < len(d.s) && strings.IndexByte(" \t\r\n", d.s[d.i]) >= 0 {
		d.i++
	}
}

func (d *jsonDecoder) value() (any, error) {
	d.space()
	if d.i >= len(d.s) {
		return nil, fmt.Errorf("a value expected")
	}
	switch c := d.s[d.i]; {
	case c == '{':
		return d.object()
	case c == '[':
		a, err := d.array()
		if err != nil {
			return nil, err
		}
		return &value.Table{Array: a}, nil
	case c == '"':
		return d.str()
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	}
	for _, w := range []struct {
		text string
		v    any
	}{{"null", nil}, {"true", true}, {"false", false}} {
		if strings.HasPrefix(d.s[d.i:], w.text) {
			d.i += len(w.text)
			return w.v, nil
		}
	}
	return nil, fmt.Errorf("a value expected")
}

func (d *jsonDecoder) number() (any, error) {
	start := d.i
	for d.i < len(d.s) && strings.IndexByte("0123456789.-+eE", d.s[d.i]) >= 0 {
		d.i++
	}
	f, err := strconv.ParseFloat(d.s[start:d.i], 64)
	if err != nil {
		return nil, fmt.Errorf("bad number %q", d.s[start:d.i])
	}
	return f, nil
}

// array reads the elements of a JSON array. A null element has no place
// in a Lua sequence, so it ends the array part as it would in Lua.
func (d *jsonDecoder) array() ([]any, error) {
	d.i++ // [
	var out []any
	hole := false
	for first := true; ; first = false {
		d.space()
		if first && d.i < len(d.s) && d.s[d.i] == ']' {
			d.i++
			return out, nil
		}
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		if v == nil {
			hole = true
		} else if !hole {
			out = append(out, v)
		}
		d.space()
		if d.i < len(d.s) && d.s[d.i] == ']' {
			d.i++
			return out, nil
		}
		if d.i >= len(d.s) || d.s[d.i] != ',' {
			return nil, fmt.Errorf("',' or ']' expected in an array")
		}
		d.i++
	}
}

// object reads a JSON object into a table, then folds util.json's
// "__array" and "__hash" members into the table's array part and keys.
func (d *jsonDecoder) object() (any, error) {
	d.i++ // {
	t := &value.Table{Hash: map[any]any{}}
	var arr, flat *value.Table
	for first := true; ; first = false {
		d.space()
		if first && d.i < len(d.s) && d.s[d.i] == '}' {
			d.i++
			break
		}
		if d.i >= len(d.s) || d.s[d.i] != '"' {
			return nil, fmt.Errorf("a member name expected")
		}
		k, err := d.str()
		if err != nil {
			return nil, err
		}
		d.space()
		if d.i >= len(d.s) || d.s[d.i] != ':' {
			return nil, fmt.Errorf("':' expected after a member name")
		}
		d.i++
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		sub, _ := v.(*value.Table)
		switch {
		case k == "__array" && sub != nil:
			arr = sub
		case k == "__hash" && sub != nil:
			flat = sub
		case v != nil:
			t.Hash[k] = v
		}
		d.space()
		if d.i < len(d.s) && d.s[d.i] == '}' {
			d.i++
			break
		}
		if d.i >= len(d.s) || d.s[d.i] != ',' {
			return nil, fmt.Errorf("',' or '}' expected in an object")
		}
		d.i++
	}
	if arr != nil {
		t.Array = append(t.Array, arr.Array...)
	}
	if flat != nil {
		for i := 0; i+1 < len(flat.Array); i += 2 {
			t.Hash[flat.Array[i]] = flat.Array[i+1]
		}
	}
	return normalise(t), nil
}

// normalise moves whole-number keys that continue the array part into it,
// as Lua would see them, and drops an empty hash.
func normalise(t *value.Table) *value.Table {
	for {
		k := float64(len(t.Array) + 1)
		v, ok := t.Hash[k]
		if !ok {
			break
		}
		t.Array = append(t.Array, v)
		delete(t.Hash, k)
	}
	if len(t.Hash) == 0 {
		t.Hash = nil
	}
	return t
}

// str reads a JSON string; like util.json it turns \uXXXX escapes
// (surrogate pairs included) into UTF-8 and refuses a lone surrogate.
func (d *jsonDecoder) str() (string, error) {
	d.i++ // "
	var b strings.Builder
	for d.i < len(d.s) {
		c := d.s[d.i]
		switch {
		case c == '"':
			d.i++
			return b.String(), nil
		case c != '\\':
			b.WriteByte(c)
			d.i++
			continue
		}
		if d.i+1 >= len(d.s) {
			break
		}
		e := d.s[d.i+1]
		if r, ok := map[byte]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}[e]; ok {
			b.WriteByte(r)
			d.i += 2
			continue
		}
		if e != 'u' {
			b.WriteByte(c) // util.json keeps an unknown escape as it is
			d.i++
			continue
		}
		r, err := d.unicode()
		if err != nil {
			return "", err
		}
		b.WriteRune(r)
	}
	return "", fmt.Errorf("a string is not closed")
}

func (d *jsonDecoder) unicode() (rune, error) {
	hex := func(at int) (rune, bool) {
		if at+6 > len(d.s) || d.s[at] != '\\' || d.s[at+1] != 'u' {
			return 0, false
		}
		n, err := strconv.ParseUint(d.s[at+2:at+6], 16, 16)
		return rune(n), err == nil
	}
	r, ok := hex(d.i)
	if !ok {
		return 0, fmt.Errorf("invalid \\u escape")
	}
	d.i += 6
	if r >= 0xD800 && r <= 0xDBFF {
		if lo, ok := hex(d.i); ok && lo >= 0xDC00 && lo <= 0xDFFF {
			d.i += 6
			return 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00), nil
		}
	}
	if r >= 0xD800 && r <= 0xDFFF || !utf8.ValidRune(r) {
		return 0, fmt.Errorf("invalid \\u escape (a lone surrogate)")
	}
	return r, nil
}
