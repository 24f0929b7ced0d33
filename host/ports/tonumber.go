package ports

import (
	"strconv"
	"strings"
)

// Prosody's portmanager passes each *_ports entry through Lua's tonumber
// and binds the result; under Lua 5.4 (which Debian's Prosody 0.12 runs) a
// string such as "1e4" or "5222.0" becomes a float that LuaSocket turns
// back into "10000.0", so its bind fails and is logged while the other
// ports bind. luaNumber tells those cases apart as Lua 5.4 does.

// numberKind is what Lua 5.4's tonumber makes of a string.
type numberKind int

const (
	notNumber numberKind = iota // tonumber gives nil
	integer                     // a Lua integer: decimal or 0x hex digits
	float                       // a Lua float: a fraction, an exponent, inf
)

// luaSpace is C's isspace, which Lua trims around numbers.
const luaSpace = " \t\n\v\f\r"

// luaNumber converts s as Lua 5.4's tonumber(s) does.
func luaNumber(s string) (float64, numberKind) {
	s = strings.Trim(s, luaSpace)
	if n, ok := luaInteger(s); ok {
		return float64(n), integer
	}
	// Go's parser accepts what Lua's strtod does not (underscores, "inf",
	// "nan" spelled out); Lua also refuses 'n' and 'N' anywhere.
	if s == "" || strings.ContainsAny(s, "_nN") {
		return 0, notNumber
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			return 0, notNumber
		}
	}
	return f, float
}

// luaInteger reads an optional sign and decimal digits, or 0x and hex
// digits (which wrap around, as in Lua); a decimal that overflows is a
// float for Lua, so it is not an integer here.
func luaInteger(s string) (int64, bool) {
	neg := false
	switch {
	case strings.HasPrefix(s, "-"):
		neg, s = true, s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	}
	var n uint64
	if len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") {
		for _, r := range s[2:] {
			d, ok := hexDigit(r)
			if !ok {
				return 0, false
			}
			n = n<<4 | uint64(d)
		}
	} else {
		if s == "" {
			return 0, false
		}
		for _, r := range s {
			if r < '0' || r > '9' {
				return 0, false
			}
			next := n*10 + uint64(r-'0')
			if next/10 != n || next > 1<<63 {
				return 0, false
			}
			n = next
		}
	}
	v := int64(n)
	if neg {
		v = -v
	}
	return v, true
}

func hexDigit(r rune) (int, bool) {
	switch {
	case r >= '0' && r <= '9':
		return int(r - '0'), true
	case r >= 'a' && r <= 'f':
		return int(r-'a') + 10, true
	case r >= 'A' && r <= 'F':
		return int(r-'A') + 10, true
	}
	return 0, false
}
