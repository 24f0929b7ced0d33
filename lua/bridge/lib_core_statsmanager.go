package bridge

import (
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/host/config"
	"github.com/moonport/moonport/host/status"
)

// core.statsmanager is Prosody's statistics registry as far as exporters
// and the admin shell use it: get_metric_registry() returns a registry
// whose render() is the OpenMetrics text of moonport's metrics (the
// families of the built-in /metrics: connections, bytes, TLS, Lua errors
// and callback times per listener, reloads, and the modules' own from
// module:measure and module:metric) and whose
// get_metric_families() are the same families as Prosody's family objects
// (type_, description, unit, label_keys, iter_metrics() giving each label
// set's metric, whose iter_samples() gives suffix, extra labels and
// value). The figures are read at each call, so collect() has nothing to
// do; cork and uncork (batching updates) are accepted and do nothing.
//
// As in Prosody, there is a registry only when a statistics provider is
// configured: `statistics = "internal"`, or a numeric
// `statistics_interval` without `statistics` (Prosody then picks
// "internal"). Another provider (statsd, an external ":name") has no
// registry here, and none configured means none, so mod_http_openmetrics
// answers 404 as in Prosody. moonport's own /metrics does not depend on it.

var statsmanagerFuncs = map[string]lua.LGFunction{
	"get_metric_registry": statsRegistry,
	"collect":             statsNothing,
	"cork":                statsNothing,
	"uncork":              statsNothing,
}

func init() { registerLibrary("core.statsmanager", funcsLibrary(statsmanagerFuncs)) }

func statsNothing(*lua.LState) int { return 0 }

// statsProvider reports whether the config names the internal statistics
// provider, the one whose registry moonport's figures stand for.
func statsProvider(snap *config.Snapshot) bool {
	if snap == nil {
		return false
	}
	if o, ok := snap.Get("*", "statistics"); ok {
		name, _ := o.Value.(string)
		return name == "internal"
	}
	o, ok := snap.Get("*", "statistics_interval")
	if !ok {
		return false
	}
	switch v := o.Value.(type) {
	case float64:
		return true
	case string:
		_, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		return err == nil // Lua's tonumber("30") is 30
	}
	return false
}

// statsRegistry is get_metric_registry(): the registry object, or nil when
// no provider is configured or the host gives no figures (a runtime
// outside a server).
func statsRegistry(L *lua.LState) int {
	inst := instanceOf(L)
	if inst.rt.coreViews().Status == nil || !statsProvider(inst.snap.Load()) {
		L.Push(lua.LNil)
		return 1
	}
	methods := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{"render": statsRender, "get_metric_families": statsFamilies}, inst.ud)
	mt := L.NewTable()
	mt.RawSetString("__index", methods)
	reg := L.NewTable()
	L.SetMetatable(reg, mt)
	L.Push(reg)
	return 1
}

// statsRender is registry:render(): the OpenMetrics text, ending # EOF.
func statsRender(L *lua.LState) int {
	var b strings.Builder
	if err := status.WriteMetrics(&b, instanceOf(L).rt.coreViews().Status()); err != nil {
		L.RaiseError("rendering metrics: %v", err)
	}
	L.Push(lua.LString(b.String()))
	return 1
}

// statsFamilies is registry:get_metric_families(): name -> family object.
func statsFamilies(L *lua.LState) int {
	out := L.NewTable()
	for _, f := range status.Families(instanceOf(L).rt.coreViews().Status()) {
		out.RawSetString(f.Name, familyObject(L, f))
	}
	L.Push(out)
	return 1
}

// familyObject is f as Prosody's metric family: its samples grouped into
// one metric per label set (a histogram's "le" is a sample's extra label).
func familyObject(L *lua.LState, f status.Family) *lua.LTable {
	t := L.NewTable()
	t.RawSetString("type_", lua.LString(f.Type))
	t.RawSetString("description", lua.LString(f.Help))
	t.RawSetString("unit", lua.LString(f.Unit))
	keys := L.NewTable()
	type group struct {
		values  []string
		samples []status.Sample
	}
	var groups []*group
	byKey := map[string]*group{}
	for _, s := range f.Samples {
		var values []string
		for _, l := range s.Labels {
			if l.Name != "le" {
				values = append(values, l.Value)
			}
		}
		if len(groups) == 0 {
			for _, l := range s.Labels {
				if l.Name != "le" {
					keys.Append(lua.LString(l.Name))
				}
			}
		}
		k := strings.Join(values, "\x00")
		g := byKey[k]
		if g == nil {
			g = &group{values: values}
			byKey[k] = g
			groups = append(groups, g)
		}
		g.samples = append(g.samples, s)
	}
	t.RawSetString("label_keys", keys)
	metrics := L.NewTable()
	for _, g := range groups {
		pair := L.NewTable()
		pair.Append(stringList(L, g.values))
		pair.Append(metricObject(L, g.samples))
		metrics.Append(pair)
	}
	t.RawSetString("iter_metrics", L.NewClosure(iterPairs, metrics))
	return t
}

func stringList(L *lua.LState, list []string) *lua.LTable {
	t := L.NewTable()
	for _, s := range list {
		t.Append(lua.LString(s))
	}
	return t
}

// metricObject is one metric: iter_samples() gives each sample's suffix,
// extra labels (a bucket's { le = … }, else nil) and value.
func metricObject(L *lua.LState, samples []status.Sample) *lua.LTable {
	rows := L.NewTable()
	for _, s := range samples {
		row := L.NewTable()
		row.Append(lua.LString(s.Suffix))
		var extra lua.LValue = lua.LNil
		for _, l := range s.Labels {
			if l.Name == "le" {
				e := L.NewTable()
				e.RawSetString("le", lua.LString(l.Value))
				extra = e
			}
		}
		row.RawSetInt(2, extra)
		row.RawSetInt(3, lua.LNumber(s.Value))
		rows.Append(row)
	}
	m := L.NewTable()
	m.RawSetString("iter_samples", L.NewClosure(iterPairs, rows))
	return m
}

// iterPairs is a method (self ignored) returning an iterator over its
// upvalue, a list of rows, giving each row's three fields in turn.
func iterPairs(L *lua.LState) int {
	rows := L.Get(lua.UpvalueIndex(1)).(*lua.LTable)
	i := 0
	L.Push(L.NewFunction(func(L *lua.LState) int {
		i++
		row, ok := rows.RawGetInt(i).(*lua.LTable)
		if !ok {
			return 0
		}
		for j := 1; j <= 3; j++ {
			L.Push(row.RawGetInt(j))
		}
		return 3
	}))
	return 1
}
