package core

import (
	"time"

	"github.com/moonport/moonport/host/listen"
	"github.com/moonport/moonport/host/status"
)

// Version is the moonport version, set by the command line (main's
// version).
var Version = "dev"

// Status is what the server is doing now, for /metrics, /status and the
// console.
func (h *Host) Status() status.Snapshot {
	conns := h.Server.Conns()
	s := status.Snapshot{Version: Version, Uptime: time.Since(h.started), Connections: h.Server.Count(), Reloads: h.ReloadStatus()}
	// A listener's byte counters grow when its connections end: add
	// those still open.
	live := map[*listen.Stats][2]int64{}
	perService := map[string]int{}
	for _, c := range conns {
		perService[c.Serving()]++
		if c.Stats != nil {
			in, out := c.Bytes()
			v := live[c.Stats]
			live[c.Stats] = [2]int64{v[0] + in, v[1] + out}
		}
	}
	for _, l := range h.Pool.Listeners() {
		b, st := l.Binding(), &l.Stats
		s.Listeners = append(s.Listeners, status.Listener{Service: b.Service, Listener: b.Listener, Address: b.Address.String(), Port: b.Port,
			AddrPort: b.AddrPort(), Encryption: b.Encryption.String(), Public: b.Public(), Counters: status.Counters{
				Open: st.Open.Load(), Accepted: st.Accepted.Load(), Refused: st.Rejected.Load(),
				BytesIn: st.BytesIn.Load() + live[st][0], BytesOut: st.BytesOut.Load() + live[st][1], LuaErrors: st.LuaErrors.Load(),
				TLSHandshakes: st.TLSHandshakes.Load(), TLSFailures: st.TLSFailures.Load()}})
	}
	for _, inst := range h.Runtime.Primaries() {
		m := status.Module{Name: inst.Name, Host: inst.Host, File: inst.Path, Copies: 1 + len(inst.Copies())}
		if typ, msg, _ := inst.Status(); typ != "" {
			m.Status = typ + ": " + msg
		}
		for _, svc := range inst.Services() {
			m.Services = append(m.Services, svc.Name)
			m.Connections += perService[svc.Name]
		}
		s.Modules = append(s.Modules, m)
	}
	s.Callbacks.Bounds, s.Callbacks.Counts, s.Callbacks.Sum = h.Runtime.CallbackHistogram()
	s.ModuleMetrics = h.Runtime.Metrics().Collect()
	return s
}
