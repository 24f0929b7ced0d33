package bridge

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/moonport/moonport/host/status"
)

const statsModule = `
local stats = require "core.statsmanager"
function render()
	stats.collect(); stats.cork(); stats.uncork()
	local reg = stats.get_metric_registry()
	if reg == nil then return "no registry" end
	return reg:render()
end`

func TestStatsmanagerRendersMoonportMetrics(t *testing.T) {
	tr := newTestRuntime(t, "", map[string]string{"stats": statsModule})
	inst := tr.load(t, "stats")
	if got, err := callGlobal(inst, "render"); err != nil || got != "no registry" {
		t.Errorf("without the host's figures: %q, %v", got, err)
	}
	tr.SetCoreViews(CoreViews{Status: func() status.Snapshot {
		return status.Snapshot{Listeners: []status.Listener{{Service: "echo", Listener: "echo", AddrPort: "127.0.0.1:7007",
			Counters: status.Counters{Open: 2, Accepted: 5, BytesIn: 123}}}}
	}})
	got, err := callGlobal(inst, "render")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"# TYPE moonport_connections_open gauge\n",
		`moonport_connections_open{service="echo",listener="echo",address="127.0.0.1:7007"} 2` + "\n",
		`moonport_connections_accepted_total{service="echo",listener="echo",address="127.0.0.1:7007"} 5` + "\n",
		`moonport_received_bytes_total{service="echo",listener="echo",address="127.0.0.1:7007"} 123` + "\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("render lacks %q:\n%s", want, got)
		}
	}
	if !strings.HasSuffix(got, "\n# EOF\n") || strings.Count(got, "# EOF") != 1 {
		t.Errorf("render must end with one # EOF:\n%s", got)
	}
}

// Further sources (module metrics) come after the server's, before # EOF.
func TestStatsmanagerMetricSources(t *testing.T) {
	saved := metricSources
	t.Cleanup(func() { metricSources = saved })
	metricSources = append(metricSources, func(_ *Runtime, w io.Writer) error {
		_, err := fmt.Fprint(w, "# TYPE extra gauge\nextra 1\n")
		return err
	})
	got, err := renderMetrics(nil, status.Snapshot{})
	if err != nil || !strings.HasSuffix(got, "moonport_lua_callback_seconds_sum 0\n# TYPE extra gauge\nextra 1\n# EOF\n") {
		t.Errorf("%q, %v", got, err)
	}
}
