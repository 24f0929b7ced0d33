package datamanager

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/moonport/moonport/host/value"
)

// Serialize writes v as Prosody's serialiser does (one field a line,
// tab-indented, `["key"] = value;`), readable by Lua 5.1 to 5.4 and by
// ParseData. v is plain data: nil, bool, float64, string, *value.Table
// of those with no table inside itself.
func Serialize(v any) (string, error) {
	var b strings.Builder
	if err := serialize(&b, v, 0); err != nil {
		return "", err
	}
	return b.String(), nil
}

// DataFile is the content of a .dat file holding v.
func DataFile(v any) (string, error) {
	s, err := Serialize(v)
	return "return " + s + ";\n", err
}

// ListLine is the line of a .list file holding the item v.
func ListLine(v any) (string, error) {
	s, err := Serialize(v)
	return "item(" + s + ");\n", err
}

func serialize(b *strings.Builder, v any, depth int) error {
	switch x := v.(type) {
	case nil:
		b.WriteString("nil")
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case float64:
		b.WriteString(formatNumber(x))
	case string:
		writeString(b, x)
	case *value.Table:
		if depth >= maxDepth {
			return fmt.Errorf("tables nested more than %d deep (a table inside itself?)", maxDepth)
		}
		return serializeTable(b, x, depth)
	default:
		return fmt.Errorf("a value of type %T cannot be stored", v)
	}
	return nil
}

func serializeTable(b *strings.Builder, t *value.Table, depth int) error {
	if len(t.Array) == 0 && len(t.Hash) == 0 {
		b.WriteString("{}")
		return nil
	}
	indent := strings.Repeat("\t", depth+1)
	b.WriteString("{\n")
	for _, e := range t.Array {
		b.WriteString(indent)
		if err := serialize(b, e, depth+1); err != nil {
			return err
		}
		b.WriteString(";\n")
	}
	for _, k := range sortedKeys(t.Hash) {
		b.WriteString(indent + "[")
		if err := serialize(b, k, depth+1); err != nil {
			return err
		}
		b.WriteString("] = ")
		if err := serialize(b, t.Hash[k], depth+1); err != nil {
			return err
		}
		b.WriteString(";\n")
	}
	b.WriteString(strings.Repeat("\t", depth) + "}")
	return nil
}

// formatNumber writes integers as integers and other numbers exactly.
func formatNumber(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "(1/0)"
	case math.IsInf(f, -1):
		return "(-1/0)"
	case math.IsNaN(f):
		return "(0/0)"
	case f == math.Trunc(f) && math.Abs(f) < 1<<53:
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', 17, 64)
}

// writeString writes s quoted, control bytes as decimal escapes (which
// every Lua reads alike), other bytes as they are.
func writeString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c < 32 || c == 127:
			fmt.Fprintf(b, "\\%03d", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}
