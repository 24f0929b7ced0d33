package status

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Family is one metric family of the OpenMetrics exposition, with its
// samples: what /metrics renders and what core.statsmanager hands to
// modules.
type Family struct {
	Name    string // without the sample suffix
	Type    string // "gauge", "counter", "histogram" or "summary"
	Unit    string
	Help    string
	Samples []Sample
}

// Sample is one value of a family.
type Sample struct {
	Suffix string  // "" or, by type, "_total", "_bucket", "_count", "_sum"
	Labels []Label // in order; a histogram bucket's "le" last
	Value  float64
}

// Label is one label of a sample.
type Label struct{ Name, Value string }

// metric is one family with a value per listener.
type metric struct {
	name, typ, help string
	value           func(Counters) int64
}

var listenerMetrics = []metric{
	{"moonport_connections_open", "gauge", "Connections open now.", func(c Counters) int64 { return c.Open }},
	{"moonport_connections_accepted", "counter", "Connections accepted.", func(c Counters) int64 { return c.Accepted }},
	{"moonport_connections_refused", "counter", "Connections refused by limits or access lists.", func(c Counters) int64 { return c.Refused }},
	{"moonport_received_bytes", "counter", "Bytes received.", func(c Counters) int64 { return c.BytesIn }},
	{"moonport_sent_bytes", "counter", "Bytes sent.", func(c Counters) int64 { return c.BytesOut }},
	{"moonport_lua_errors", "counter", "Errors in Lua callbacks.", func(c Counters) int64 { return c.LuaErrors }},
	{"moonport_tls_handshakes", "counter", "TLS handshakes completed.", func(c Counters) int64 { return c.TLSHandshakes }},
	{"moonport_tls_handshake_failures", "counter", "TLS handshakes that failed.", func(c Counters) int64 { return c.TLSFailures }},
}

// Families lists the metric families of s, in the order /metrics shows
// them: moonport's own, then the modules'.
func Families(s Snapshot) []Family {
	out := ownFamilies(s)
	for _, v := range s.ModuleMetrics {
		out = append(out, moduleFamily(v))
	}
	return out
}

// ownFamilies are moonport's own metric families.
func ownFamilies(s Snapshot) []Family {
	var out []Family
	for _, m := range listenerMetrics {
		f := Family{Name: m.name, Type: m.typ, Help: m.help}
		suffix := ""
		if m.typ == "counter" {
			suffix = "_total"
		}
		for _, l := range s.Listeners {
			labels := []Label{{"service", l.Service}, {"listener", l.Listener}, {"address", l.AddrPort}}
			f.Samples = append(f.Samples, Sample{Suffix: suffix, Labels: labels, Value: float64(m.value(l.Counters))})
		}
		out = append(out, f)
	}
	out = append(out,
		Family{Name: "moonport_reloads", Type: "counter", Help: "Reloads attempted.",
			Samples: []Sample{{Suffix: "_total", Value: float64(s.Reloads.Count)}}},
		Family{Name: "moonport_reload_failures", Type: "counter", Help: "Reloads that failed and changed nothing.",
			Samples: []Sample{{Suffix: "_total", Value: float64(s.Reloads.Failures)}}},
		histogramFamily("moonport_lua_callback_seconds", "Time Lua callbacks ran.", s.Callbacks))
	return out
}

// histogramFamily is h as cumulative buckets, then count and sum.
func histogramFamily(name, help string, h Histogram) Family {
	f := Family{Name: name, Type: "histogram", Help: help}
	var cum int64
	for i, ub := range h.Bounds {
		cum += h.Counts[i]
		f.Samples = append(f.Samples, Sample{Suffix: "_bucket", Labels: []Label{{"le", fmt.Sprintf("%g", ub)}}, Value: float64(cum)})
	}
	if len(h.Counts) > len(h.Bounds) {
		cum += h.Counts[len(h.Bounds)]
	}
	f.Samples = append(f.Samples,
		Sample{Suffix: "_bucket", Labels: []Label{{"le", "+Inf"}}, Value: float64(cum)},
		Sample{Suffix: "_count", Value: float64(cum)},
		Sample{Suffix: "_sum", Value: h.Sum})
	return f
}

// writeFamilies writes moonport's own families in the OpenMetrics text
// format.
func writeFamilies(b *strings.Builder, families []Family) {
	for _, f := range families {
		fmt.Fprintf(b, "# TYPE %s %s\n# HELP %s %s\n", f.Name, f.Type, f.Name, f.Help)
		for _, s := range f.Samples {
			b.WriteString(f.Name + s.Suffix)
			if len(s.Labels) > 0 {
				b.WriteByte('{')
				for i, l := range s.Labels {
					if i > 0 {
						b.WriteByte(',')
					}
					fmt.Fprintf(b, "%s=%q", l.Name, l.Value)
				}
				b.WriteByte('}')
			}
			b.WriteString(" " + wholeOrFloat(s.Value) + "\n")
		}
	}
}

// wholeOrFloat writes a sample's value: whole numbers as integers, others
// in the shortest form that reads back the same.
func wholeOrFloat(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// WriteMetrics writes the OpenMetrics text exposition of s.
func WriteMetrics(w io.Writer, s Snapshot) error {
	var b strings.Builder
	writeFamilies(&b, ownFamilies(s))
	writeModuleMetrics(&b, s.ModuleMetrics)
	b.WriteString("# EOF\n")
	_, err := io.WriteString(w, b.String())
	return err
}
