package bridge

import (
	"fmt"
	"net/http"

	lua "github.com/yuin/gopher-lua"
)

// net.http.codes maps a status code to its status line text, "404 Not
// Found", as Prosody's does: the IANA registry's names; a code without a
// name reads "<code> Unassigned".

// httpCodeNames are the registry names where Go's net/http names a code
// differently or not at all.
var httpCodeNames = map[int]string{
	102: "Processing", 103: "Early Hints", 207: "Multi-Status", 208: "Already Reported", 226: "IM Used",
	413: "Payload Too Large", 414: "URI Too Long", 416: "Range Not Satisfiable",
	422: "Unprocessable Entity", 425: "Too Early", 418: "I'm a teapot",
}

// httpCodeUnnamed are codes Go names that the registry leaves unassigned
// (or Prosody's table leaves out).
var httpCodeUnnamed = map[int]bool{306: true}

// httpStatusText is a code's name, "" when it has none.
func httpStatusText(code int) string {
	if httpCodeUnnamed[code] {
		return ""
	}
	if name, ok := httpCodeNames[code]; ok {
		return name
	}
	return http.StatusText(code)
}

// httpStatusLine is net.http.codes[code]: "404 Not Found".
func httpStatusLine(code int) string {
	if name := httpStatusText(code); name != "" {
		return fmt.Sprintf("%03d %s", code, name)
	}
	return fmt.Sprintf("%d Unassigned", code)
}

func init() { registerLibrary("net.http.codes", openHTTPCodes) }

// openHTTPCodes fills the named codes in and answers the others from
// __index, as Prosody's table does.
func openHTTPCodes(inst *Instance) lua.LValue {
	L := inst.L
	t := L.CreateTable(0, 64)
	for code := 100; code < 600; code++ {
		if httpStatusText(code) != "" {
			t.RawSetInt(code, lua.LString(httpStatusLine(code)))
		}
	}
	mt := L.NewTable()
	mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString(L.ToStringMeta(L.Get(2)).String() + " Unassigned"))
		return 1
	}))
	L.SetMetatable(t, mt)
	return t
}
