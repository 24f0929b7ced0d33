package datamanager

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// quoted reads a "…" or '…' string with Lua 5.4's escapes (a superset of
// 5.1's, so files of either Prosody read).
func (p *parser) quoted() (string, error) {
	q := p.src[p.pos]
	p.pos++
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == q:
			p.pos++
			return b.String(), nil
		case c == '\n' || c == '\r':
			return "", p.errorf("unfinished string")
		case c == '\\':
			if err := p.escape(&b); err != nil {
				return "", err
			}
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	return "", p.errorf("unfinished string")
}

// simpleEscapes are the one-letter escapes.
var simpleEscapes = map[byte]byte{'a': '\a', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t',
	'v': '\v', '\\': '\\', '"': '"', '\'': '\'', '\n': '\n', '\r': '\n'}

// escape reads the escape sequence at p.pos (at its backslash) into b.
func (p *parser) escape(b *strings.Builder) error {
	p.pos++
	if p.pos >= len(p.src) {
		return p.errorf("unfinished string")
	}
	c := p.src[p.pos]
	if e, ok := simpleEscapes[c]; ok {
		p.pos++
		if (c == '\n' || c == '\r') && p.pos < len(p.src) && (p.src[p.pos] == '\n' || p.src[p.pos] == '\r') && p.src[p.pos] != c {
			p.pos++ // \r\n or \n\r is one line break
		}
		b.WriteByte(e)
		return nil
	}
	switch {
	case c >= '0' && c <= '9':
		end := p.pos
		for end < len(p.src) && end < p.pos+3 && p.src[end] >= '0' && p.src[end] <= '9' {
			end++
		}
		n, _ := strconv.Atoi(p.src[p.pos:end])
		if n > 255 {
			return p.errorf("decimal escape too large")
		}
		b.WriteByte(byte(n))
		p.pos = end
	case c == 'x':
		if p.pos+3 > len(p.src) {
			return p.errorf("hexadecimal digit expected")
		}
		n, err := strconv.ParseUint(p.src[p.pos+1:p.pos+3], 16, 8)
		if err != nil {
			return p.errorf("hexadecimal digit expected")
		}
		b.WriteByte(byte(n))
		p.pos += 3
	case c == 'z':
		p.pos++
		for p.pos < len(p.src) && strings.IndexByte(" \t\n\r\f\v", p.src[p.pos]) >= 0 {
			p.pos++
		}
	case c == 'u':
		return p.unicodeEscape(b)
	default:
		return p.errorf("invalid escape sequence")
	}
	return nil
}

// unicodeEscape reads \u{XXX}.
func (p *parser) unicodeEscape(b *strings.Builder) error {
	end := strings.IndexByte(p.src[p.pos:], '}')
	if !strings.HasPrefix(p.src[p.pos:], "u{") || end < 0 {
		return p.errorf("missing '{' or '}' in \\u{xxxx}")
	}
	n, err := strconv.ParseUint(p.src[p.pos+2:p.pos+end], 16, 31)
	if err != nil {
		return p.errorf("UTF-8 value too large")
	}
	b.Write(utf8.AppendRune(nil, rune(n)))
	p.pos += end + 1
	return nil
}

// longBracket reads a [[…]] or [==[…]==] string; an error, p.pos kept,
// when none starts at p.pos.
func (p *parser) longBracket() (string, error) {
	rest := p.src[p.pos:]
	level := 1
	for level < len(rest) && rest[level] == '=' {
		level++
	}
	if len(rest) == 0 || rest[0] != '[' || level >= len(rest) || rest[level] != '[' {
		return "", p.errorf("long bracket expected")
	}
	closing := "]" + strings.Repeat("=", level-1) + "]"
	body := rest[level+1:]
	end := strings.Index(body, closing)
	if end < 0 {
		return "", p.errorf("unfinished long string")
	}
	p.pos += level + 1 + end + len(closing)
	s := body[:end]
	if strings.HasPrefix(s, "\r\n") || strings.HasPrefix(s, "\n\r") {
		s = s[2:]
	} else if strings.HasPrefix(s, "\n") || strings.HasPrefix(s, "\r") {
		s = s[1:]
	}
	return s, nil
}
