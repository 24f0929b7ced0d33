package main

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseCores(t *testing.T) {
	for _, c := range []struct {
		spec   string
		total  int
		counts []int
		labels []string
	}{
		{"1,half,all", 2, []int{1, 2}, []string{"1", "all"}}, // half of 2 is 1: one step
		{"1,half,all", 16, []int{1, 8, 16}, []string{"1", "half", "all"}},
		{"1,half,all", 64, []int{1, 32, 64}, []string{"1", "half", "all"}},
		{"all", 1, []int{1}, []string{"all"}},
		{"half", 1, []int{1}, []string{"half"}},
		{" 2 , 4 ,all", 4, []int{2, 4}, []string{"2", "4"}},
	} {
		counts, labels, err := parseCores(c.spec, c.total)
		if err != nil || !reflect.DeepEqual(counts, c.counts) || !reflect.DeepEqual(labels, c.labels) {
			t.Errorf("parseCores(%q, %d) = %v %v %v, want %v %v", c.spec, c.total, counts, labels, err, c.counts, c.labels)
		}
	}
	for _, bad := range []struct {
		spec, want string
	}{{"3", "the machine allows 2"}, {"0", "not a CPU count"}, {"two", "not a CPU count"}, {",", "names no step"}} {
		if _, _, err := parseCores(bad.spec, 2); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("parseCores(%q, 2): %v, want an error with %q", bad.spec, err, bad.want)
		}
	}
}

func TestSplitCores(t *testing.T) {
	allowed := []int{0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19} // 16 CPUs, not contiguous
	c := splitCores(allowed, 4, "4")
	if !reflect.DeepEqual(c.server, []int{0, 1, 2, 3}) || c.shared || len(c.load) != 12 || c.load[0] != 8 {
		t.Fatalf("splitCores 4 of 16 = %+v", c)
	}
	if got := c.heading(); got != "server on 4 CPUs (0-3), load generators on CPUs 8-19" {
		t.Errorf("heading = %q", got)
	}
	all := splitCores(allowed, 16, "all")
	if !all.shared || !reflect.DeepEqual(all.load, all.server) || all.n() != 16 {
		t.Fatalf("splitCores all = %+v", all)
	}
	if got := all.heading(); !strings.Contains(got, "share the same CPUs") {
		t.Errorf("heading of a shared step = %q", got)
	}
	one := splitCores([]int{0, 1}, 1, "1")
	if got := one.heading(); got != "server on 1 CPU (0), load generators on CPUs 1" {
		t.Errorf("heading = %q", got)
	}
}

func TestCPUList(t *testing.T) {
	for _, c := range []struct {
		cpus []int
		want string
	}{{[]int{0}, "0"}, {[]int{0, 1}, "0-1"}, {[]int{3, 0, 1, 2, 8, 10, 11}, "0-3,8,10-11"}} {
		if got := cpuList(c.cpus); got != c.want {
			t.Errorf("cpuList(%v) = %q, want %q", c.cpus, got, c.want)
		}
	}
}

func TestAllowedCPUs(t *testing.T) {
	cpus, err := allowedCPUs()
	if err != nil || len(cpus) == 0 {
		t.Fatalf("allowedCPUs = %v, %v", cpus, err)
	}
}

func TestLoadGenScales(t *testing.T) {
	allowed := make([]int, 16)
	for i := range allowed {
		allowed[i] = i
	}
	g := newLoadGen(splitCores(allowed, 8, "half"), 0, 64, 100000)
	if g.echoConns != 128 || g.wrkThreads != 8 || g.wrkConns != 64 || g.rbThreads != 8 || g.pingN != 800000 {
		t.Errorf("8 server CPUs of 16: %+v", g)
	}
	g = newLoadGen(splitCores(allowed[:2], 1, "1"), 0, 64, 100000)
	if g.echoConns != 64 || g.wrkThreads != 2 || g.rbThreads != 1 || g.pingN != 100000 {
		t.Errorf("1 server CPU of 2: %+v", g)
	}
	if d := g.describe(); strings.Contains(d, "--threads") {
		t.Errorf("one load CPU runs redis-benchmark single-threaded: %s", d)
	}
	g = newLoadGen(splitCores(allowed, 16, "all"), 32, 64, 100000)
	if g.echoConns != 32 || g.wrkConns != 128 || g.rbThreads != 16 || g.pingN != 800000 {
		t.Errorf("all 16 CPUs, -conns 32: %+v", g)
	}
}
