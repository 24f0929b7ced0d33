package bridge

import (
	"strings"
	"testing"

	"github.com/moonport/moonport/host/metrics"
	"github.com/moonport/moonport/host/status"
)

const statsModule = `
local stats = require "core.statsmanager"
function render()
	stats.collect(); stats.cork(); stats.uncork()
	local reg = stats.get_metric_registry()
	if reg == nil then return "no registry" end
	return reg:render()
end
-- samples walks the families as Prosody's admin shell does.
function samples(filter)
	local out = {}
	for name, family in pairs(stats.get_metric_registry():get_metric_families()) do
		if name:match(filter) then
			out[#out+1] = name .. " " .. family.type_ .. " " .. family.description .. " [" .. table.concat(family.label_keys, " ") .. "]"
			for labels, metric in family:iter_metrics() do
				local l = #labels > 0 and "{" .. table.concat(labels, ",") .. "}" or ""
				for suffix, extra, value in metric:iter_samples() do
					out[#out+1] = name .. suffix .. l .. (extra and " le=" .. extra.le or "") .. " " .. value
				end
			end
		end
	end
	return table.concat(out, "\n") .. "\n"
end`

func TestStatsmanagerRendersMoonportMetrics(t *testing.T) {
	tr := newTestRuntime(t, `statistics = "internal"`, map[string]string{"stats": statsModule})
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

// The modules' own metrics (module:measure, module:metric) come after
// moonport's, before # EOF, and among the families.
func TestStatsmanagerModuleMetrics(t *testing.T) {
	tr := newTestRuntime(t, `statistics = "internal"`, map[string]string{"stats": statsModule})
	inst := tr.load(t, "stats")
	tr.SetCoreViews(CoreViews{Status: func() status.Snapshot {
		return status.Snapshot{ModuleMetrics: []metrics.Values{
			{Desc: metrics.Desc{Name: "extra", Kind: metrics.Gauge, Help: "An extra."}, Series: []metrics.SeriesValues{{Value: 1.5}}},
			{Desc: metrics.Desc{Name: "mod/hits", Kind: metrics.Counter, Labels: []string{"path"}}, Series: []metrics.SeriesValues{{Labels: []string{"/a"}, Value: 3}}},
		}}
	}})
	got, err := callGlobal(inst, "render")
	if err != nil || !strings.HasSuffix(got, "moonport_lua_callback_seconds_sum 0\n# TYPE extra gauge\n# HELP extra An extra.\nextra 1.5\n"+
		"# TYPE mod__hits counter\nmod__hits_total{path=\"/a\"} 3\n# EOF\n") {
		t.Errorf("%q, %v", got, err)
	}
	for filter, want := range map[string]string{
		"^extra$":     "extra gauge An extra. []\nextra 1.5\n",
		"^mod__hits$": "mod__hits counter  [path]\nmod__hits_total{/a} 3\n",
	} {
		if got, err := callGlobal(inst, "samples", filter); err != nil || got != want {
			t.Errorf("families %s: %q, %v", filter, got, err)
		}
	}
}

// get_metric_families gives Prosody's family objects over the same
// samples render writes.
func TestStatsmanagerFamilies(t *testing.T) {
	tr := newTestRuntime(t, `statistics = "internal"`, map[string]string{"stats": statsModule})
	inst := tr.load(t, "stats")
	tr.SetCoreViews(CoreViews{Status: func() status.Snapshot {
		return status.Snapshot{Listeners: []status.Listener{
			{Service: "echo", Listener: "echo", AddrPort: "127.0.0.1:7007", Counters: status.Counters{Open: 2, Accepted: 5}},
			{Service: "web", Listener: "web", AddrPort: "[::1]:80", Counters: status.Counters{Accepted: 7}}},
			Callbacks: status.Histogram{Bounds: []float64{0.1, 1}, Counts: []int64{3, 1, 1}, Sum: 2.5}}
	}})
	for filter, want := range map[string]string{
		"^moonport_connections_accepted$": "moonport_connections_accepted counter Connections accepted. [service listener address]\n" +
			"moonport_connections_accepted_total{echo,echo,127.0.0.1:7007} 5\nmoonport_connections_accepted_total{web,web,[::1]:80} 7\n",
		"^moonport_lua_callback_seconds$": "moonport_lua_callback_seconds histogram Time Lua callbacks ran. []\n" +
			"moonport_lua_callback_seconds_bucket le=0.1 3\nmoonport_lua_callback_seconds_bucket le=1 4\n" +
			"moonport_lua_callback_seconds_bucket le=+Inf 5\nmoonport_lua_callback_seconds_count 5\nmoonport_lua_callback_seconds_sum 2.5\n",
		"^moonport_reloads$": "moonport_reloads counter Reloads attempted. []\nmoonport_reloads_total 0\n",
	} {
		if got, err := callGlobal(inst, "samples", filter); err != nil || got != want {
			t.Errorf("%s:\n%s(%v)\nwant\n%s", filter, got, err, want)
		}
	}
}

// Prosody has a metric registry only with a statistics provider
// configured: "internal", or a numeric statistics_interval alone.
func TestStatsmanagerNeedsProvider(t *testing.T) {
	for cfg, want := range map[string]bool{
		``:                               false,
		`statistics = "internal"`:        true,
		`statistics = "statsd"`:          false,
		`statistics = "nonsense"`:        false,
		`statistics_interval = 30`:       true,
		`statistics_interval = "30"`:     true,
		`statistics_interval = "manual"`: false,
		`statistics = "internal"; statistics_interval = "manual"`: true,
	} {
		tr := newTestRuntime(t, cfg, map[string]string{"stats": statsModule})
		inst := tr.load(t, "stats")
		tr.SetCoreViews(CoreViews{Status: func() status.Snapshot { return status.Snapshot{} }})
		got, err := callGlobal(inst, "render")
		if err != nil {
			t.Fatal(err)
		}
		if has := got != "no registry"; has != want {
			t.Errorf("%s: registry %v, want %v", cfg, has, want)
		}
	}
}
