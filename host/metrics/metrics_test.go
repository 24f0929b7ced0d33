package metrics

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// Families keep their figures per label values; registering a name again
// the same way gives the same family, another way an error.
func TestRegistry(t *testing.T) {
	r := NewRegistry()
	c, err := r.Register(Desc{Name: "prosody_mod_x/hits", Kind: Counter, Labels: []string{"host"}})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := c.With("a.example")
	b, _ := c.With("b.example")
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); a.Add(1) }()
	}
	wg.Wait()
	b.Add(2)
	if again, err := r.Register(Desc{Name: "prosody_mod_x/hits", Kind: Counter, Labels: []string{"host"}}); err != nil || again != c {
		t.Errorf("registering again: %v %v", again, err)
	}
	if _, err := r.Register(Desc{Name: "prosody_mod_x/hits", Kind: Gauge, Labels: []string{"host"}}); err == nil {
		t.Error("a gauge of a counter's name was accepted")
	}
	if _, err := c.With(); err == nil || !strings.Contains(err.Error(), "takes 1 label values (host), not 0") {
		t.Errorf("With(): %v", err)
	}
	if _, err := r.Register(Desc{Name: "h", Kind: Histogram}); err == nil {
		t.Error("a histogram without buckets was accepted")
	}
	h, _ := r.Register(Desc{Name: "h_seconds", Kind: Histogram, Unit: "seconds", Buckets: []float64{0.1, 1}})
	hs, _ := h.With()
	for _, v := range []float64{0.0625, 0.5, 4} {
		hs.Sample(v)
	}
	g, _ := r.Register(Desc{Name: "g", Kind: Gauge})
	gs, _ := g.With()
	gs.Set(7)
	gs.Add(-2)
	got := r.Collect()
	want := []Values{
		{Desc: Desc{Name: "g", Kind: Gauge, Labels: []string{}}, Series: []SeriesValues{{Labels: []string{}, Value: 5}}},
		{Desc: Desc{Name: "h_seconds", Kind: Histogram, Unit: "seconds", Labels: []string{}, Buckets: []float64{0.1, 1}},
			Series: []SeriesValues{{Labels: []string{}, Count: 3, Sum: 4.5625, Buckets: []uint64{1, 2}}}},
		{Desc: Desc{Name: "prosody_mod_x/hits", Kind: Counter, Labels: []string{"host"}},
			Series: []SeriesValues{{Labels: []string{"a.example"}, Value: 10}, {Labels: []string{"b.example"}, Value: 2}}},
	}
	// Printed, as an empty list and none are the same here.
	if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
		t.Errorf("Collect:\n got %+v\nwant %+v", got, want)
	}
}

// Names are escaped as Prosody's util.openmetrics escapes them.
func TestExpositionName(t *testing.T) {
	for in, want := range map[string]string{
		"prosody_mod_http/requests": "prosody_mod_http__requests",
		"mod_x/c2s.auth-ok":         "mod_x__c2s_auth_ok",
		"9lives":                    "_9lives",
	} {
		if got := ExpositionName(in); got != want {
			t.Errorf("ExpositionName(%q) = %q, want %q", in, got, want)
		}
	}
}
