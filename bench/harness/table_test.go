package main

import (
	"bytes"
	"strings"
	"testing"
)

// testStep is a 2-CPU step with figures for a few workloads.
func testStep() step {
	cs := splitCores([]int{0, 1}, 2, "all")
	s := step{cores: cs, load: newLoadGen(cs, 0, 64, 1000), res: results{}, settings: map[string]string{},
		peers: []string{"moonport", "moonport-workers", "moonport-nobudget", "prosody", "haproxy-lua", "plain-go", "nginx-lua"}}
	for _, p := range s.peers {
		s.settings[p] = "set-" + p
	}
	add := func(key, peer string, vs ...float64) {
		for _, v := range vs {
			s.res.add(key, peer, v)
		}
	}
	add("echo", "moonport", 90e3, 100e3, 110e3)
	add("echo", "moonport-workers", 130e3)
	add("echo", "prosody", 50e3)
	add("echo", "haproxy-lua", 125e3)
	add("echo", "plain-go", 120e3)
	add("echo cpu", "moonport", 8)
	add("echo cpu", "prosody", 15)
	add("cpu PING_MBULK -P 16", "moonport", 1300)
	add("cpu PING_MBULK -P 16", "moonport-nobudget", 1250)
	add("cpu PING_MBULK -P 16", "prosody", 1200)
	add("PING_MBULK -P 16", "moonport", 500e3)
	add("PING_MBULK -P 16", "moonport-nobudget", 600e3)
	add("PING_MBULK -P 16", "moonport-workers", 1e6)
	add("PING_MBULK -P 16", "prosody", 700e3)
	add("PING_MBULK -P 16", "haproxy-lua", 800e3)
	add("http", "moonport", 40e3)
	add("http", "nginx-lua", 130e3)
	add("idle", "moonport", 3900, 4000, 4100)
	s.res.fail("idle", "moonport-workers", "3 did not echo")
	add("idle", "prosody", 10.8e3)
	return s
}

func TestCellAndNumbers(t *testing.T) {
	for _, c := range []struct {
		s    *sample
		want string
	}{
		{nil, "–"},
		{&sample{}, "–"},
		{&sample{note: "failed", values: []float64{1}}, "failed"},
		{&sample{values: []float64{1234}}, "1234"},
		{&sample{values: []float64{3e4, 1e4, 2e4}}, "20.0k (10.0k–30.0k)"},
		{&sample{values: []float64{1.5e6, 2.5}}, "1.50M (2.50–1.50M)"},
	} {
		if got := cell(c.s); got != c.want {
			t.Errorf("cell(%+v) = %q, want %q", c.s, got, c.want)
		}
	}
}

func TestPrintStep(t *testing.T) {
	var b bytes.Buffer
	printStep(&b, testStep(), 10000)
	out := b.String()
	mustContain(t, "step table", out,
		"### server on 2 CPUs (0-1), load generators share the same CPUs",
		"echo: 64 connections × 64 B; HTTP: wrk -t2 -c64; PING: redis-benchmark -c 50 --threads 2 -n 2000",
		"| workload | moonport | moonport-workers | moonport-nobudget | prosody | haproxy-lua | plain-go | nginx-lua |\n|---|---|---|---|---|---|---|---|\n",
		"| setting | set-moonport | set-moonport-workers |",
		"| echo round-trips/s (64 conns, 64 B) | 100.0k (90.0k–110.0k) | 130.0k | – | 50.0k | 125.0k | 120.0k | – |",
		"| bytes per idle connection (10000 held) (lower is better) | 4000 (3900–4100) | 3 did not echo |",
		"moonport ÷ peer (moonport / moonport-workers; medians)",
		"| workload | ÷ prosody | ÷ haproxy-lua | ÷ plain-go | ÷ nginx-lua |",
		"| echo round-trips/s (64 conns, 64 B) | 2.00x / 2.60x | 0.80x / 1.04x | 0.83x / 1.08x | – / – |",
		"| HTTP hello req/s (wrk -t2 -c64) | – / – | – / – | – / – | 0.31x / – |",
	)
	if strings.Contains(out, "PING inline req/s |") {
		t.Errorf("a workload nobody ran has a row:\n%s", out)
	}
	if strings.Contains(out, "÷ moonport-nobudget") {
		t.Errorf("moonport-nobudget has a ratio column:\n%s", out)
	}
}

func TestPrintScaling(t *testing.T) {
	one, two := testStep(), testStep()
	one.cores = splitCores([]int{0, 1}, 1, "1")
	one.res = results{}
	one.res.add("echo", "moonport", 60e3)
	var b bytes.Buffer
	printScaling(&b, []step{one})
	if b.Len() != 0 {
		t.Errorf("one step printed a scaling table: %s", b.String())
	}
	printScaling(&b, []step{one, two})
	mustContain(t, "scaling table", b.String(),
		"| workload | peer | 1 CPU | 2 CPUs |",
		"| echo round-trips/s | moonport | 60.0k | 100.0k |",
		"| echo round-trips/s | prosody | – | 50.0k |",
		"| server CPU ns per PING RESP, -P 16 | moonport | – | 1300 |")
}

func TestCopyPeer(t *testing.T) {
	r := results{}
	if r.copyPeer("moonport", "moonport-workers") {
		t.Error("copied from a peer with no figures")
	}
	r.add("echo", "moonport", 5)
	r.fail("idle", "moonport", "failed")
	if !r.copyPeer("moonport", "moonport-workers") {
		t.Fatal("copyPeer copied nothing")
	}
	r.add("echo", "moonport", 6)
	if got := cell(r["echo"]["moonport-workers"]); got != "5.00" {
		t.Errorf("copied echo = %q (the copy must not share the slice)", got)
	}
	if got := cell(r["idle"]["moonport-workers"]); got != "failed" {
		t.Errorf("copied idle = %q", got)
	}
	if !oneCopy("auto", 1) || oneCopy("auto", 2) || !oneCopy("1", 16) || oneCopy("4", 1) {
		t.Error("oneCopy")
	}
}
