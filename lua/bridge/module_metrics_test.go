package bridge

import (
	"fmt"
	"strings"
	"testing"
)

const metricsModule = `
local hits = module:measure("hits", "rate")
local level = module:measure("level", "amount", { initial = 3 })
local sizes = module:measure("body", "sizes")
local timer = module:measure("work", "times")
local reqs = module:metric("counter", "requests", "", "Requests served.", { "method" })
local lat = module:metric("histogram", "latency", "seconds", "", {}, { buckets = { 0.5, 5 } })
function record()
	hits(); hits(); level(9); sizes(2000)
	local done = timer(); done()
	reqs:with_labels("GET"):add(2)
	reqs:with_labels("POST"):add(1)
	lat:with_labels():sample(1)
end
function bad() return reqs:with_labels() end
`

// module:measure and module:metric feed the runtime's registry under
// Prosody's names, with the host label of a module on a host.
func TestModuleMetrics(t *testing.T) {
	tr := newTestRuntime(t, `VirtualHost "a.example"`, map[string]string{"m": metricsModule})
	inst, err := tr.Load("m", "a.example")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := callGlobal(inst, "record"); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range tr.Metrics().Collect() {
		for _, s := range f.Series {
			got = append(got, fmt.Sprintf("%s %s %v %v/%d", f.Name, f.Kind, s.Labels, s.Value, s.Count))
		}
	}
	want := []string{
		"prosody_mod_m/body_bytes histogram [a.example] 0/1",
		"prosody_mod_m/hits counter [a.example] 2/0",
		"prosody_mod_m/latency_seconds histogram [a.example] 0/1",
		"prosody_mod_m/level gauge [a.example] 9/0",
		"prosody_mod_m/requests counter [a.example GET] 2/0",
		"prosody_mod_m/requests counter [a.example POST] 1/0",
		"prosody_mod_m/work_seconds histogram [a.example] 0/1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("metrics:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := callGlobal(inst, "bad"); err == nil || !strings.Contains(err.Error(), "does not match number of label keys") {
		t.Errorf("with_labels(): %v", err)
	}
}
