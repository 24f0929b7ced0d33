package status

import (
	"bufio"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"

	"github.com/moonport/moonport/host/metrics"
)

// Module metrics follow moonport's own in the OpenMetrics text, with
// escaped names, labels, and a histogram's cumulative buckets; the
// Prometheus parser reads them back.
func TestModuleMetricsRender(t *testing.T) {
	r := metrics.NewRegistry()
	c, _ := r.Register(metrics.Desc{Name: "prosody_mod_x/hits", Kind: metrics.Counter, Help: "Hits.", Labels: []string{"host"}})
	s, _ := c.With(`a"b.example`)
	s.Add(3)
	h, _ := r.Register(metrics.Desc{Name: "prosody_mod_x/t_seconds", Kind: metrics.Histogram, Unit: "seconds", Buckets: []float64{0.5, 2}})
	hs, _ := h.With()
	hs.Sample(0.25)
	hs.Sample(1)
	snap := sample()
	snap.ModuleMetrics = r.Collect()
	var b strings.Builder
	if err := WriteMetrics(&b, snap); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	for _, want := range []string{
		"# TYPE prosody_mod_x__hits counter\n# HELP prosody_mod_x__hits Hits.\nprosody_mod_x__hits_total{host=\"a\\\"b.example\"} 3\n",
		"# TYPE prosody_mod_x__t_seconds histogram\n# UNIT prosody_mod_x__t_seconds seconds\n",
		"prosody_mod_x__t_seconds_bucket{le=\"0.5\"} 1\nprosody_mod_x__t_seconds_bucket{le=\"2\"} 2\nprosody_mod_x__t_seconds_bucket{le=\"+Inf\"} 2\nprosody_mod_x__t_seconds_count 2\nprosody_mod_x__t_seconds_sum 1.25\n# EOF\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q in:\n%s", want, text)
		}
	}
	var p expfmt.TextParser
	families, err := p.TextToMetricFamilies(bufio.NewReader(strings.NewReader(text)))
	if err != nil {
		t.Fatalf("the Prometheus text parser refused the metrics: %v\n%s", err, text)
	}
	if got := families["prosody_mod_x__t_seconds"].GetMetric()[0].GetHistogram().GetSampleCount(); got != 2 {
		t.Errorf("histogram count %d", got)
	}
}
