// Package metrics holds the metrics modules define while they run
// (Prosody's module:measure and module:metric, and core.statsmanager on
// top of them): named families of counters, gauges, histograms and
// summaries, each with label keys and one series per set of label values.
//
// It knows nothing of Lua or of how figures are shown: the bridge
// registers families and updates their series, host/status renders what
// Collect returns on /metrics and the status page. Everything here is
// safe for concurrent use.
package metrics

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Kind is a family's type, as OpenMetrics names it.
type Kind string

// The kinds of family.
const (
	Counter   Kind = "counter"   // Add (and Set) a running total
	Gauge     Kind = "gauge"     // Set (and Add) a level
	Histogram Kind = "histogram" // Sample into buckets, with count and sum
	Summary   Kind = "summary"   // Sample into count and sum
)

// Desc describes a family.
type Desc struct {
	// Name is the family's name as the module gave it, unit included
	// ("prosody_mod_http/requests_seconds"); ExpositionName makes it a
	// valid OpenMetrics name.
	Name    string
	Kind    Kind
	Unit    string
	Help    string
	Labels  []string  // label keys, in order
	Buckets []float64 // a histogram's upper bounds, ascending; +Inf is implied
}

// Registry is the set of families, by name.
type Registry struct {
	mu       sync.Mutex
	families map[string]*Family
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{families: map[string]*Family{}} }

// Register returns the family named d.Name, making it if it is new.
// Registering a name again with the same kind and label keys returns
// the family there, figures and all, so a module that is reloaded (or
// loaded on another host) carries on counting, as in Prosody. A
// different kind or different label keys is an error, and so is an
// unknown kind or a histogram without buckets.
func (r *Registry) Register(d Desc) (*Family, error) {
	switch d.Kind {
	case Counter, Gauge, Summary:
	case Histogram:
		if len(d.Buckets) == 0 || !sort.Float64sAreSorted(d.Buckets) {
			return nil, fmt.Errorf("metric %s: a histogram needs buckets in ascending order", d.Name)
		}
	default:
		return nil, fmt.Errorf("metric %s: unknown type %q (counter, gauge, histogram or summary)", d.Name, d.Kind)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if f := r.families[d.Name]; f != nil {
		if f.desc.Kind != d.Kind || !slices.Equal(f.desc.Labels, d.Labels) {
			return nil, fmt.Errorf("metric %s is already a %s with labels %v", d.Name, f.desc.Kind, f.desc.Labels)
		}
		return f, nil
	}
	d.Labels = slices.Clone(d.Labels)
	d.Buckets = slices.Clone(d.Buckets)
	f := &Family{desc: d, series: map[string]*Series{}}
	r.families[d.Name] = f
	return f, nil
}

// Family is one named metric with its series.
type Family struct {
	desc   Desc
	mu     sync.Mutex // guards series and every series' figures
	series map[string]*Series
	order  []*Series
}

// Desc is what the family was registered with.
func (f *Family) Desc() Desc { return f.desc }

// With returns the series for these label values, one per label key,
// making it on first use.
func (f *Family) With(values ...string) (*Series, error) {
	if len(values) != len(f.desc.Labels) {
		return nil, fmt.Errorf("metric %s takes %d label values (%s), not %d",
			f.desc.Name, len(f.desc.Labels), strings.Join(f.desc.Labels, ", "), len(values))
	}
	key := strings.Join(values, "\x00")
	f.mu.Lock()
	defer f.mu.Unlock()
	if s := f.series[key]; s != nil {
		return s, nil
	}
	s := &Series{family: f, labels: slices.Clone(values)}
	if f.desc.Kind == Histogram {
		s.buckets = make([]uint64, len(f.desc.Buckets))
	}
	f.series[key] = s
	f.order = append(f.order, s)
	return s, nil
}

// Series is one family's figures for one set of label values.
type Series struct {
	family  *Family
	labels  []string
	value   float64  // a counter's total, a gauge's level
	count   uint64   // samples (histogram, summary)
	sum     float64  // of the samples
	buckets []uint64 // a histogram's samples at or below each bound
}

// Add adds d to a counter or gauge.
func (s *Series) Add(d float64) {
	s.family.mu.Lock()
	s.value += d
	s.family.mu.Unlock()
}

// Set sets a gauge (or a counter) to v.
func (s *Series) Set(v float64) {
	s.family.mu.Lock()
	s.value = v
	s.family.mu.Unlock()
}

// Sample records one observation in a histogram or summary.
func (s *Series) Sample(v float64) {
	s.family.mu.Lock()
	defer s.family.mu.Unlock()
	s.count++
	s.sum += v
	for i, bound := range s.family.desc.Buckets {
		if v <= bound {
			s.buckets[i]++
		}
	}
}

// Values is a family's figures at one moment.
type Values struct {
	Desc
	Series []SeriesValues // in the order they were first used
}

// SeriesValues are one series' figures: Value for counters and gauges;
// Count, Sum and (histograms) Buckets, cumulative per bound of
// Desc.Buckets, for the others.
type SeriesValues struct {
	Labels  []string
	Value   float64
	Count   uint64
	Sum     float64
	Buckets []uint64
}

// Collect returns every family's figures, sorted by name.
func (r *Registry) Collect() []Values {
	r.mu.Lock()
	fams := make([]*Family, 0, len(r.families))
	for _, f := range r.families {
		fams = append(fams, f)
	}
	r.mu.Unlock()
	sort.Slice(fams, func(i, j int) bool { return fams[i].desc.Name < fams[j].desc.Name })
	out := make([]Values, 0, len(fams))
	for _, f := range fams {
		f.mu.Lock()
		v := Values{Desc: f.desc}
		for _, s := range f.order {
			v.Series = append(v.Series, SeriesValues{Labels: s.labels, Value: s.value, Count: s.count, Sum: s.sum, Buckets: slices.Clone(s.buckets)})
		}
		f.mu.Unlock()
		out = append(out, v)
	}
	return out
}

var nameUnsafe = regexp.MustCompile(`[^A-Za-z0-9_]`)

// ExpositionName is a family or label name as OpenMetrics text shows it,
// escaped as Prosody's util.openmetrics does: "/" becomes "__", any other
// character outside [A-Za-z0-9_] "_", and a leading digit gets a "_".
func ExpositionName(name string) string {
	name = nameUnsafe.ReplaceAllString(strings.ReplaceAll(name, "/", "__"), "_")
	if name != "" && name[0] >= '0' && name[0] <= '9' {
		name = "_" + name
	}
	return name
}
