package bridge

import (
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// core.hostmanager tells modules about the hosts of the running config:
// get_children(host) maps each active host directly under host (its name
// minus the first label; "*" for hosts without a dot) to its name option,
// or true. Hosts come and go with the config only, so activate and
// deactivate are refused with an error saying so.

var hostmanagerFuncs = map[string]lua.LGFunction{
	"get_children": hostChildren,
	"activate":     hostRefuse,
	"deactivate":   hostRefuse,
}

func init() { registerLibrary("core.hostmanager", funcsLibrary(hostmanagerFuncs)) }

func hostRefuse(L *lua.LState) int {
	L.RaiseError("core.hostmanager cannot add or remove hosts in moonport: change the config's VirtualHost/Component sections and reload")
	return 0
}

func hostChildren(L *lua.LState) int {
	parent := L.CheckString(1)
	out := L.NewTable()
	active, _ := ActiveHosts(instanceOf(L).snap.Load()) // a refused config never runs
	for _, sec := range active {
		up := "*"
		if _, rest, ok := strings.Cut(sec.Name, "."); ok {
			up = rest
		}
		if up != parent {
			continue
		}
		var name lua.LValue = lua.LTrue
		if o, ok := sec.Options["name"]; ok {
			name = toLua(L, o.Value)
		}
		out.RawSetString(sec.Name, name)
	}
	L.Push(out)
	return 1
}
