package datamanager

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/moonport/moonport/host/value"
)

// Prosody's data files are Lua source: a .dat file is `return <value>;`,
// a .list file one `item(<value>);` line per item. Reading them must not
// run code a file may hold, so this is a parser of that data subset of
// Lua — constants, table constructors, the (1/0) (-1/0) (0/0) Prosody's
// serialiser writes for infinities and NaN, comments — not an evaluator.
// Anything else (a call, a variable, an operator) is a syntax error.

// Limits of what a data file may hold.
const (
	MaxFileSize = 64 << 20 // bytes
	maxDepth    = 200      // nested tables
)

// parser reads values from src.
type parser struct {
	src   string
	pos   int
	depth int
}

// ParseData reads a .dat file's content: `return <value>` with an
// optional `;`. An empty file is nil.
func ParseData(src []byte) (any, error) {
	p := &parser{src: string(src)}
	if len(src) > MaxFileSize {
		return nil, errors.New("data file too large")
	}
	if p.skip(); p.pos == len(p.src) {
		return nil, nil
	}
	if !p.keyword("return") {
		return nil, p.errorf("'return' expected")
	}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.skip()
	p.accept(';')
	if p.skip(); p.pos != len(p.src) {
		return nil, p.errorf("end of file expected")
	}
	return v, nil
}

// ParseList reads a .list file's content: `item(<value>);` statements,
// also in Lua's call forms item{…} and item"…".
func ParseList(src []byte) ([]any, error) {
	p := &parser{src: string(src)}
	if len(src) > MaxFileSize {
		return nil, errors.New("list file too large")
	}
	var items []any
	for p.skip(); p.pos < len(p.src); p.skip() {
		if !p.keyword("item") {
			return nil, p.errorf("'item' expected")
		}
		p.skip()
		var v any
		var err error
		switch {
		case p.accept('('):
			if v, err = p.value(); err == nil {
				p.skip()
				if !p.accept(')') {
					err = p.errorf("')' expected")
				}
			}
		case p.peek() == '{' || p.peek() == '"' || p.peek() == '\'' || p.peek() == '[':
			v, err = p.value()
		default:
			err = p.errorf("'(' expected")
		}
		if err != nil {
			return nil, err
		}
		items = append(items, v)
		p.skip()
		p.accept(';')
	}
	return items, nil
}

func (p *parser) errorf(format string, args ...any) error {
	line := 1 + strings.Count(p.src[:p.pos], "\n")
	return fmt.Errorf("line %d: %s", line, fmt.Sprintf(format, args...))
}

func (p *parser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func (p *parser) accept(c byte) bool {
	if p.peek() == c && p.pos < len(p.src) {
		p.pos++
		return true
	}
	return false
}

// skip passes white space and comments.
func (p *parser) skip() {
	for p.pos < len(p.src) {
		switch c := p.src[p.pos]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			p.pos++
		case strings.HasPrefix(p.src[p.pos:], "--"):
			p.pos += 2
			if _, err := p.longBracket(); err == nil {
				continue
			}
			if i := strings.IndexByte(p.src[p.pos:], '\n'); i >= 0 {
				p.pos += i
			} else {
				p.pos = len(p.src)
			}
		default:
			return
		}
	}
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// name reads an identifier, "" when none is next.
func (p *parser) name() string {
	start := p.pos
	if start < len(p.src) && (p.src[start] < '0' || p.src[start] > '9') {
		for p.pos < len(p.src) && isIdentByte(p.src[p.pos]) {
			p.pos++
		}
	}
	return p.src[start:p.pos]
}

// keyword reads the identifier kw, or nothing.
func (p *parser) keyword(kw string) bool {
	start := p.pos
	if p.name() == kw {
		return true
	}
	p.pos = start
	return false
}

// value reads one value.
func (p *parser) value() (any, error) {
	p.skip()
	switch c := p.peek(); {
	case c == '{':
		return p.table()
	case c == '"' || c == '\'':
		return p.quoted()
	case c == '[':
		s, err := p.longBracket()
		if err != nil {
			return nil, err
		}
		return s, nil
	case c == '(':
		return p.special()
	case c == '-' || c == '.' || c >= '0' && c <= '9':
		return p.number()
	}
	switch p.name() {
	case "nil":
		return nil, nil
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return nil, p.errorf("a value expected")
}

// special reads the parenthesised (1/0), (-1/0) and (0/0).
func (p *parser) special() (any, error) {
	for _, s := range [...]struct {
		src string
		v   float64
	}{{"(1/0)", math.Inf(1)}, {"(-1/0)", math.Inf(-1)}, {"(0/0)", math.NaN()}} {
		if strings.HasPrefix(p.src[p.pos:], s.src) {
			p.pos += len(s.src)
			return s.v, nil
		}
	}
	return nil, p.errorf("an expression is not data")
}

// number reads a numeral, with a leading minus.
func (p *parser) number() (any, error) {
	start := p.pos
	neg := p.accept('-')
	p.skip()
	numStart := p.pos
	hex := isHexNumeral(p.src[numStart:min(numStart+2, len(p.src))])
	for p.pos < len(p.src) {
		c, prev := p.src[p.pos], p.src[p.pos-1]
		exp := hex && (prev == 'p' || prev == 'P') || !hex && (prev == 'e' || prev == 'E')
		if isIdentByte(c) || c == '.' || (c == '+' || c == '-') && p.pos > numStart && exp {
			p.pos++
			continue
		}
		break
	}
	f, err := parseNumeral(p.src[numStart:p.pos])
	if err != nil {
		p.pos = start
		return nil, p.errorf("malformed number")
	}
	if neg {
		f = -f
	}
	return f, nil
}

func isHexNumeral(s string) bool { return len(s) > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') }

// parseNumeral is a Lua numeral's value: decimal or hexadecimal.
func parseNumeral(s string) (float64, error) {
	if isHexNumeral(s) {
		if !strings.ContainsAny(s, ".pP") {
			u, err := strconv.ParseUint(s[2:], 16, 64)
			return float64(int64(u)), err // wraps as Lua's integers do
		}
		if !strings.ContainsAny(s, "pP") {
			s += "p0"
		}
		return strconv.ParseFloat(s, 64)
	}
	if s == "" || strings.ContainsAny(s, "_xX") || s[0] == '+' {
		return 0, errors.New("malformed")
	}
	return strconv.ParseFloat(s, 64)
}

// table reads a table constructor.
func (p *parser) table() (any, error) {
	if p.depth++; p.depth > maxDepth {
		return nil, p.errorf("tables nested too deep")
	}
	defer func() { p.depth-- }()
	p.pos++ // {
	var array []any
	hash := map[any]any{}
	for {
		p.skip()
		if p.accept('}') {
			return buildTable(array, hash), nil
		}
		k, v, positional, err := p.field()
		if err != nil {
			return nil, err
		}
		if positional {
			array = append(array, v)
		} else if k != nil && v != nil {
			hash[k] = v
		}
		p.skip()
		if !p.accept(',') && !p.accept(';') && p.peek() != '}' {
			return nil, p.errorf("'}' expected")
		}
	}
}

// field reads one field: [k] = v, name = v, or a positional v.
func (p *parser) field() (k, v any, positional bool, err error) {
	start := p.pos
	if p.peek() == '[' && !strings.HasPrefix(p.src[p.pos:], "[[") && !strings.HasPrefix(p.src[p.pos:], "[=") {
		p.pos++
		if k, err = p.value(); err != nil {
			return nil, nil, false, err
		}
		if f, ok := k.(float64); ok && math.IsNaN(f) {
			return nil, nil, false, p.errorf("table index is NaN")
		}
		p.skip()
		if !p.accept(']') {
			return nil, nil, false, p.errorf("']' expected")
		}
	} else if n := p.name(); n != "" {
		p.skip()
		if p.peek() != '=' || strings.HasPrefix(p.src[p.pos:], "==") {
			p.pos = start
			v, err = p.value()
			return nil, v, true, err
		}
		k = n
	} else {
		v, err = p.value()
		return nil, v, true, err
	}
	p.skip()
	if !p.accept('=') {
		return nil, nil, false, p.errorf("'=' expected")
	}
	v, err = p.value()
	return k, v, false, err
}

// buildTable is a value.Table of the positional values and the keyed
// ones, integer keys following the array moved into it as Lua would
// see them; a nil positional value ends the array part.
func buildTable(array []any, hash map[any]any) *value.Table {
	t := &value.Table{}
	for i, v := range array {
		if v != nil {
			hash[float64(i+1)] = v
		}
	}
	for n := 1.0; ; n++ {
		v, ok := hash[n]
		if !ok {
			break
		}
		t.Array = append(t.Array, v)
		delete(hash, n)
	}
	if len(hash) > 0 {
		t.Hash = hash
	}
	return t
}

// sortedKeys is t's hash keys in a stable order: numbers, then strings,
// then booleans.
func sortedKeys(h map[any]any) []any {
	keys := make([]any, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	rank := func(k any) int {
		switch k.(type) {
		case float64:
			return 0
		case string:
			return 1
		}
		return 2
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if rank(a) != rank(b) {
			return rank(a) < rank(b)
		}
		switch a := a.(type) {
		case float64:
			return a < b.(float64)
		case string:
			return a < b.(string)
		}
		return !a.(bool) && b.(bool)
	})
	return keys
}
