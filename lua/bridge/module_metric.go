package bridge

import (
	lua "github.com/yuin/gopher-lua"

	"github.com/moonport/moonport/host/metrics"
)

// module:metric, Prosody 0.12's OpenMetrics API: a family object whose
// :with_labels(...) gives the series to :add, :set or :sample.

func init() {
	registerModuleMethods(map[string]lua.LGFunction{"metric": moduleMetric})
	// Set here: its functions make family objects with it.
	familyMethods = map[string]lua.LGFunction{
		"with_labels":        familyWithLabels,
		"with_partial_label": familyWithPartialLabel,
	}
}

// familyView is a family with the first label values fixed (a module on a
// host fixes "host"; with_partial_label fixes one more).
type familyView struct {
	fam   *metrics.Family
	fixed []string
}

// moduleMetric is module:metric(type, name, unit, description, labels,
// extra): the family prosody_mod_<module>/<name>(_<unit>); extra.buckets
// are a histogram's bounds.
func moduleMetric(L *lua.LState) int {
	inst := instanceOf(L)
	kind, name := metrics.Kind(L.CheckString(2)), L.CheckString(3)
	unit, help := L.OptString(4, ""), L.OptString(5, "")
	keys, fixed := scope(L, inst)
	if t, ok := L.Get(6).(*lua.LTable); ok {
		for i := 1; i <= t.Len(); i++ {
			keys = append(keys, t.RawGetInt(i).String())
		}
	}
	var buckets []float64
	if t, ok := L.Get(7).(*lua.LTable); ok {
		buckets = numberList(t.RawGetString("buckets"))
	}
	fam, err := inst.rt.Metrics().Register(metrics.Desc{Name: fullName("prosody_mod_"+inst.Name+"/"+name, unit),
		Kind: kind, Unit: unit, Help: help, Labels: keys, Buckets: buckets})
	if err != nil {
		L.RaiseError("module:metric: %v", err)
	}
	L.Push(newFamilyView(L, familyView{fam: fam, fixed: fixed}))
	return 1
}

func newFamilyView(L *lua.LState, v familyView) *lua.LTable {
	ud := L.NewUserData()
	ud.Value = v
	return L.SetFuncs(L.NewTable(), familyMethods, ud)
}

// familyMethods are a family object's methods.
var familyMethods map[string]lua.LGFunction

func viewOf(L *lua.LState) familyView {
	return L.Get(lua.UpvalueIndex(1)).(*lua.LUserData).Value.(familyView)
}

// labelArgs are the label values given from argument 2 on, as strings.
func labelArgs(L *lua.LState, fixed []string) []string {
	values := append([]string(nil), fixed...)
	for i := 2; i <= L.GetTop(); i++ {
		values = append(values, L.ToStringMeta(L.Get(i)).String())
	}
	return values
}

func familyWithPartialLabel(L *lua.LState) int {
	v := viewOf(L)
	L.Push(newFamilyView(L, familyView{fam: v.fam, fixed: labelArgs(L, v.fixed)[:len(v.fixed)+1]}))
	return 1
}

// familyWithLabels gives the series of these label values: :add and :set
// for counters and gauges, :sample for histograms and summaries.
func familyWithLabels(L *lua.LState) int {
	v := viewOf(L)
	s, err := v.fam.With(labelArgs(L, v.fixed)...)
	if err != nil {
		L.RaiseError("number of labels passed to with_labels does not match number of label keys: %v", err)
	}
	ud := L.NewUserData()
	ud.Value = s
	methods := seriesMethods
	if k := v.fam.Desc().Kind; k == metrics.Histogram || k == metrics.Summary {
		methods = sampleMethods
	}
	L.Push(L.SetFuncs(L.NewTable(), methods, ud))
	return 1
}

var (
	seriesMethods = map[string]lua.LGFunction{
		"add": func(L *lua.LState) int { seriesOf(L).Add(float64(L.CheckNumber(2))); return 0 },
		"set": func(L *lua.LState) int { seriesOf(L).Set(float64(L.CheckNumber(2))); return 0 },
	}
	sampleMethods = map[string]lua.LGFunction{
		"sample": func(L *lua.LState) int { seriesOf(L).Sample(float64(L.CheckNumber(2))); return 0 },
	}
)
