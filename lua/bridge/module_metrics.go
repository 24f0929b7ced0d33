package bridge

import (
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/host/metrics"
)

// module:measure (Prosody's older statistics API) and module:metric (its
// OpenMetrics one) define families in the runtime's metrics registry
// (Runtime.Metrics), which /metrics and the status page show. Names and
// labels follow Prosody 0.12's statsmanager: families are named
// prosody_mod_<module>/<name>, with the unit appended, and a module on a
// host gets a leading "host" label fixed to its host.

func init() {
	registerModuleMethods(map[string]lua.LGFunction{
		"measure": moduleMeasure,
	})
}

// Metrics is the registry of the metrics modules define; core.statsmanager
// and host/status read and write the same one.
func (rt *Runtime) Metrics() *metrics.Registry {
	rt.facts.metricsOnce.Do(func() { rt.facts.metrics = metrics.NewRegistry() })
	return rt.facts.metrics
}

// Prosody's default buckets for "times" (seconds) and "sizes" (bytes).
var (
	timesBuckets = []float64{0.001, 0.01, 0.1, 1, 10, 100}
	sizesBuckets = []float64{1024, 4096, 32768, 131072, 1048576, 4194304, 33554432, 134217728, 1073741824}
)

// legacyMeasure is what one type of module:measure makes: the family's
// kind, unit and buckets.
type legacyMeasure struct {
	kind    metrics.Kind
	unit    string
	buckets []float64
}

var legacyMeasures = map[string]legacyMeasure{
	"amount":       {kind: metrics.Gauge},
	"counter":      {kind: metrics.Counter},
	"rate":         {kind: metrics.Counter},
	"times":        {kind: metrics.Histogram, unit: "seconds", buckets: timesBuckets},
	"sizes":        {kind: metrics.Histogram, unit: "bytes", buckets: sizesBuckets},
	"distribution": {kind: metrics.Summary},
}

// fullName is Prosody's compose_name: the unit, if any, after the name.
func fullName(name, unit string) string {
	if unit != "" {
		return name + "_" + unit
	}
	return name
}

// scope is the label a module on a host fixes: its host.
func scope(L *lua.LState, inst *Instance) (keys, values []string) {
	if h := hostOf(L, inst); h != "*" {
		return []string{"host"}, []string{h}
	}
	return nil, nil
}

// moduleMeasure is module:measure(name, type, conf): a function that
// records one figure, as Prosody's: amount(v) sets a gauge, counter(n)
// adds n, rate() adds 1, sizes(v) and distribution(v) sample, and
// times() starts a timer and returns the function that stops it.
func moduleMeasure(L *lua.LState) int {
	inst := instanceOf(L)
	name, typ := L.CheckString(2), L.CheckString(3)
	m, ok := legacyMeasures[typ]
	if !ok {
		L.ArgError(3, "unknown legacy metric type "+typ)
	}
	conf, _ := L.Get(4).(*lua.LTable)
	unit := m.unit
	if typ == "distribution" {
		if s, ok := L.Get(4).(lua.LString); ok {
			unit = string(s)
		}
	}
	help := name + " " + typ
	if conf != nil {
		help = optString(conf, "description", help)
		unit = optString(conf, "unit", unit)
		if b := numberList(conf.RawGetString("buckets")); b != nil {
			m.buckets = b
		}
	}
	keys, values := scope(L, inst)
	fam, err := inst.rt.Metrics().Register(metrics.Desc{Name: fullName("prosody_mod_"+inst.Name+"/"+name, unit),
		Kind: m.kind, Unit: unit, Help: help, Labels: keys, Buckets: m.buckets})
	if err != nil {
		L.RaiseError("module:measure: %v", err)
	}
	s, err := fam.With(values...)
	if err != nil {
		L.RaiseError("module:measure: %v", err)
	}
	ud := L.NewUserData()
	ud.Value = s
	L.Push(L.NewClosure(legacyRecorders[typ], ud))
	// As Prosody, a gauge starts at its initial value and a counter at
	// 0, also when a reload finds the family there.
	switch typ {
	case "amount":
		initial := 0.0
		if n, ok := L.Get(4).(lua.LNumber); ok {
			initial = float64(n)
		} else if conf != nil {
			initial = float64(lua.LVAsNumber(conf.RawGetString("initial")))
		}
		s.Set(initial)
	case "counter", "rate":
		s.Set(0)
	}
	return 1
}

func seriesOf(L *lua.LState) *metrics.Series {
	return L.Get(lua.UpvalueIndex(1)).(*lua.LUserData).Value.(*metrics.Series)
}

// legacyRecorders are the functions module:measure returns, by type.
var legacyRecorders = map[string]lua.LGFunction{
	"amount":       func(L *lua.LState) int { seriesOf(L).Set(float64(L.CheckNumber(1))); return 0 },
	"counter":      func(L *lua.LState) int { seriesOf(L).Add(float64(L.CheckNumber(1))); return 0 },
	"rate":         func(L *lua.LState) int { seriesOf(L).Add(1); return 0 },
	"sizes":        func(L *lua.LState) int { seriesOf(L).Sample(float64(L.CheckNumber(1))); return 0 },
	"distribution": func(L *lua.LState) int { seriesOf(L).Sample(float64(L.CheckNumber(1))); return 0 },
	"times":        startTimer,
}

// startTimer is a "times" measure: it returns the function that records
// the seconds since.
func startTimer(L *lua.LState) int {
	s, t0 := seriesOf(L), time.Now()
	L.Push(L.NewFunction(func(*lua.LState) int {
		s.Sample(time.Since(t0).Seconds())
		return 0
	}))
	return 1
}

func optString(t *lua.LTable, key, def string) string {
	if s, ok := t.RawGetString(key).(lua.LString); ok {
		return string(s)
	}
	return def
}

// numberList is a Lua list of numbers, or nil when v is not one.
func numberList(v lua.LValue) []float64 {
	t, ok := v.(*lua.LTable)
	if !ok || t.Len() == 0 {
		return nil
	}
	out := make([]float64, 0, t.Len())
	for i := 1; i <= t.Len(); i++ {
		n, ok := t.RawGetInt(i).(lua.LNumber)
		if !ok {
			return nil
		}
		out = append(out, float64(n))
	}
	return out
}
