package status

import (
	"fmt"
	"io"
	"strings"
)

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

// WriteMetrics writes the OpenMetrics text exposition of s.
func WriteMetrics(w io.Writer, s Snapshot) error {
	var b strings.Builder
	family := func(name, typ, help string) {
		fmt.Fprintf(&b, "# TYPE %s %s\n# HELP %s %s\n", name, typ, name, help)
	}
	for _, m := range listenerMetrics {
		family(m.name, m.typ, m.help)
		suffix := ""
		if m.typ == "counter" {
			suffix = "_total"
		}
		for _, l := range s.Listeners {
			fmt.Fprintf(&b, "%s%s{service=%q,listener=%q,address=%q} %d\n", m.name, suffix, l.Service, l.Listener, l.AddrPort, m.value(l.Counters))
		}
	}
	family("moonport_reloads", "counter", "Reloads attempted.")
	fmt.Fprintf(&b, "moonport_reloads_total %d\n", s.Reloads.Count)
	family("moonport_reload_failures", "counter", "Reloads that failed and changed nothing.")
	fmt.Fprintf(&b, "moonport_reload_failures_total %d\n", s.Reloads.Failures)
	family("moonport_lua_callback_seconds", "histogram", "Time Lua callbacks ran.")
	h := s.Callbacks
	var cum int64
	for i, ub := range h.Bounds {
		cum += h.Counts[i]
		fmt.Fprintf(&b, "moonport_lua_callback_seconds_bucket{le=\"%g\"} %d\n", ub, cum)
	}
	if len(h.Counts) > len(h.Bounds) {
		cum += h.Counts[len(h.Bounds)]
	}
	fmt.Fprintf(&b, "moonport_lua_callback_seconds_bucket{le=\"+Inf\"} %d\n", cum)
	fmt.Fprintf(&b, "moonport_lua_callback_seconds_count %d\nmoonport_lua_callback_seconds_sum %g\n", cum, h.Sum)
	writeModuleMetrics(&b, s.ModuleMetrics)
	b.WriteString("# EOF\n")
	_, err := io.WriteString(w, b.String())
	return err
}
