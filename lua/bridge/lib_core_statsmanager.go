package bridge

import (
	"io"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/host/status"
)

// core.statsmanager is Prosody's statistics registry as far as exporters
// such as mod_http_openmetrics use it: get_metric_registry() returns a
// registry whose render() is the OpenMetrics text of moonport's metrics
// (the same families as the built-in /metrics: connections, bytes, TLS,
// Lua errors and callback times per listener, reloads), collected at each
// call, so collect() has nothing to do. cork and uncork (batching updates)
// are accepted and do nothing: moonport's counters are read, not pushed.

// metricSources write further metric families after the server's, each
// complete (# TYPE, # HELP, samples) and without # EOF. Module metrics
// (module:measure, module:metric) join here.
var metricSources []func(rt *Runtime, w io.Writer) error

var statsmanagerFuncs = map[string]lua.LGFunction{
	"get_metric_registry": statsRegistry,
	"collect":             statsNothing,
	"cork":                statsNothing,
	"uncork":              statsNothing,
}

func init() { registerLibrary("core.statsmanager", funcsLibrary(statsmanagerFuncs)) }

func statsNothing(*lua.LState) int { return 0 }

// statsRegistry is get_metric_registry(): the registry object, or nil when
// the host gives no figures (a runtime outside a server).
func statsRegistry(L *lua.LState) int {
	inst := instanceOf(L)
	if inst.rt.coreViews().Status == nil {
		L.Push(lua.LNil)
		return 1
	}
	methods := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{"render": statsRender}, inst.ud)
	mt := L.NewTable()
	mt.RawSetString("__index", methods)
	reg := L.NewTable()
	L.SetMetatable(reg, mt)
	L.Push(reg)
	return 1
}

// statsRender is registry:render(): the OpenMetrics text, ending # EOF.
func statsRender(L *lua.LState) int {
	rt := instanceOf(L).rt
	text, err := renderMetrics(rt, rt.coreViews().Status())
	if err != nil {
		L.RaiseError("rendering metrics: %v", err)
	}
	L.Push(lua.LString(text))
	return 1
}

const metricsEOF = "# EOF\n"

func renderMetrics(rt *Runtime, snap status.Snapshot) (string, error) {
	var b strings.Builder
	if err := status.WriteMetrics(&b, snap); err != nil {
		return "", err
	}
	out := strings.TrimSuffix(b.String(), metricsEOF)
	b.Reset()
	b.WriteString(out)
	for _, src := range metricSources {
		if err := src(rt, &b); err != nil {
			return "", err
		}
	}
	b.WriteString(metricsEOF)
	return b.String(), nil
}
