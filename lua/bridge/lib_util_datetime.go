package bridge

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"time"

	lua "github.com/yuin/gopher-lua"
)

func init() { registerLibrary("util.datetime", funcsLibrary(datetimeFuncs)) }

// datetimeFuncs is require "util.datetime": XEP-0082's formats in UTC, and
// parse, as Prosody 0.12's.
var datetimeFuncs = map[string]lua.LGFunction{
	"date":     datetimeFormat(func(t time.Time) string { return datetimeYMD(t, "-") }),
	"datetime": datetimeFormat(func(t time.Time) string { return datetimeYMD(t, "-") + "T" + datetimeHMS(t) + "Z" }),
	"time":     datetimeFormat(datetimeHMS),
	"legacy":   datetimeFormat(func(t time.Time) string { return datetimeYMD(t, "") + "T" + datetimeHMS(t) }),
	"parse":    datetimeParse,
}

// datetimeYMD is the date as strftime's %Y%m%d with sep between: the year
// is not padded (year 5 is "5"), as with glibc.
func datetimeYMD(t time.Time, sep string) string {
	return fmt.Sprintf("%d%s%02d%s%02d", t.Year(), sep, int(t.Month()), sep, t.Day())
}

func datetimeHMS(t time.Time) string {
	return fmt.Sprintf("%02d:%02d:%02d", t.Hour(), t.Minute(), t.Second())
}

// datetimeFormat is a formatter of the time given in seconds since the
// epoch (fractions dropped), now when none is given.
func datetimeFormat(f func(time.Time) string) lua.LGFunction {
	return func(L *lua.LState) int {
		t := time.Now()
		if L.Get(1) != lua.LNil {
			t = time.Unix(int64(math.Floor(float64(L.CheckNumber(1)))), 0)
		}
		L.Push(lua.LString(f(t.UTC())))
		return 1
	}
}

var (
	datetimeRe = regexp.MustCompile(`(?s)^(\d{4})-?(\d{2})-?(\d{2})T(\d{2}):(\d{2}):(\d{2})\.?\d*([Z+\-]?.*)$`)
	tzdRe      = regexp.MustCompile(`([+\-])(\d{2}):?(\d*)`)
)

// datetimeParse is parse(s): seconds since the epoch of an XEP-0082
// datetime (or the legacy form), its offset applied; nothing when s is
// not one. Out-of-range fields carry over as os.time's do (month 13 is
// January of the next year). Prosody goes through the local time zone
// and back; this is the UTC arithmetic that round trip means.
func datetimeParse(L *lua.LState) int {
	if L.Get(1) == lua.LNil {
		return 0
	}
	m := datetimeRe.FindStringSubmatch(L.CheckString(1))
	if m == nil {
		return 0
	}
	var f [6]int
	for i := range f {
		f[i], _ = strconv.Atoi(m[i+1])
	}
	offset := 0
	if tzd := m[7]; tzd != "" && tzd != "Z" {
		z := tzdRe.FindStringSubmatch(tzd)
		if z == nil {
			return 0
		}
		h, _ := strconv.Atoi(z[2])
		mins := 0
		if len(z[3]) == 2 {
			mins, _ = strconv.Atoi(z[3])
		}
		offset = h*3600 + mins*60
		if z[1] == "-" {
			offset = -offset
		}
	}
	t := time.Date(f[0], time.Month(f[1]), f[2], f[3], f[4], f[5], 0, time.UTC)
	L.Push(lua.LNumber(t.Unix() - int64(offset)))
	return 1
}
