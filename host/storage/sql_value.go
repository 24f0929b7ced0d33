package storage

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/moonport/moonport/host/value"
)

// valueType is the "type" column of Prosody's SQL tables: how the "value"
// column's text is read back.
type valueType string

// The types mod_storage_sql writes.
const (
	typeString  valueType = "string"
	typeNumber  valueType = "number"
	typeBoolean valueType = "boolean"
	typeJSON    valueType = "json"
	typeXML     valueType = "xml"
)

// serialize is v's row form as Prosody writes it: strings, numbers and
// booleans as their text, tables as util.json text, stanzas as XML.
func serialize(v any) (valueType, string, error) {
	switch x := v.(type) {
	case string:
		return typeString, x, nil
	case bool:
		return typeBoolean, strconv.FormatBool(x), nil
	case float64:
		s, err := formatNumber(x)
		return typeNumber, s, err
	case *value.Table:
		if err := Check(x); err != nil {
			return "", "", err
		}
		s, err := EncodeJSON(x)
		return typeJSON, s, err
	case *Stanza:
		s, err := stanzaXML(x.Tree)
		return typeXML, s, err
	}
	return "", "", fmt.Errorf("a value of type %T cannot be stored", v)
}

// deserialize reads a row's value back.
func deserialize(t valueType, s string) (any, error) {
	switch t {
	case typeString:
		return s, nil
	case typeBoolean:
		switch s {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, fmt.Errorf("invalid boolean %q in a row of type boolean", s)
	case typeNumber:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return nil, fmt.Errorf("invalid number %q in a row of type number", s)
		}
		return f, nil
	case typeJSON:
		return DecodeJSON(s)
	case typeXML:
		tree, err := parseStanzaXML(s)
		if err != nil {
			return nil, err
		}
		return &Stanza{Tree: tree}, nil
	}
	return nil, fmt.Errorf("a row of unknown type %q (Prosody writes string, number, boolean, json or xml)", string(t))
}

// stanzaXML writes a preserialised stanza tree (see Stanza) as XML text,
// the form util.stanza's tostring gives and Prosody stores.
func stanzaXML(tree any) (string, error) {
	var b strings.Builder
	if err := writeElement(&b, tree); err != nil {
		return "", err
	}
	return b.String(), nil
}

func writeElement(b *strings.Builder, node any) error {
	t, ok := node.(*value.Table)
	name, _ := t.Field("name").(string)
	if !ok || name == "" {
		return fmt.Errorf("a stanza element must be a table with a name, not %T", node)
	}
	b.WriteString("<" + name)
	if attrs, ok := t.Field("attr").(*value.Table); ok {
		keys := make([]string, 0, len(attrs.Hash))
		for k := range attrs.Hash {
			if s, ok := k.(string); ok {
				keys = append(keys, s)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			v, ok := attrs.Hash[k].(string)
			if !ok {
				return fmt.Errorf("the attribute %q of <%s> is a %T, not a string", k, name, attrs.Hash[k])
			}
			b.WriteString(" " + k + "='" + escapeXML(v) + "'")
		}
	}
	if len(t.Array) == 0 {
		b.WriteString("/>")
		return nil
	}
	b.WriteByte('>')
	for _, c := range t.Array {
		if s, ok := c.(string); ok {
			b.WriteString(escapeXML(s))
		} else if err := writeElement(b, c); err != nil {
			return err
		}
	}
	b.WriteString("</" + name + ">")
	return nil
}

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "'", "&apos;", `"`, "&quot;")

func escapeXML(s string) string { return xmlEscaper.Replace(s) }

// parseStanzaXML reads XML text back into a preserialised tree. Names
// and attributes are kept as written (prefixes and xmlns declarations
// included), which is how they were stored.
func parseStanzaXML(s string) (*value.Table, error) {
	d := xml.NewDecoder(strings.NewReader(s))
	var stack []*value.Table
	var root *value.Table
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("XML of type xml row: %w", err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			attr := &value.Table{Hash: map[any]any{}}
			for _, a := range x.Attr {
				attr.Hash[qname(a.Name)] = a.Value
			}
			el := &value.Table{Hash: map[any]any{"name": qname(x.Name), "attr": attr}}
			if len(stack) > 0 {
				top := stack[len(stack)-1]
				top.Array = append(top.Array, el)
			} else if root == nil {
				root = el
			}
			stack = append(stack, el)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				top := stack[len(stack)-1]
				top.Array = append(top.Array, string(x))
			}
		}
	}
	if root == nil {
		return nil, fmt.Errorf("a row of type xml holds no element")
	}
	return root, nil
}

func qname(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}
