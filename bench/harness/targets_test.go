package main

import (
	"bytes"
	"strings"
	"testing"
)

func find(t *testing.T, vs []verdict, target, checkPart string) verdict {
	t.Helper()
	for _, v := range vs {
		if v.target == target && strings.Contains(v.check, checkPart) {
			return v
		}
	}
	t.Fatalf("no verdict for target %s %q in %+v", target, checkPart, vs)
	return verdict{}
}

func TestCompare(t *testing.T) {
	s := testStep()
	v := compare{mine: "moonport", other: "haproxy-lua", key: "echo", what: "echo", want: 1}.eval("3", s)
	if v.outcome != missed || v.detail != "0.80x (100.0k vs 125.0k)" || v.check != "echo: moonport ≥ 1x haproxy-lua (all)" {
		t.Errorf("echo vs haproxy = %+v", v)
	}
	v = compare{mine: "moonport", other: "prosody", key: "echo cpu", what: "CPU", want: 1, lower: true}.eval("1", s)
	if v.outcome != met || v.detail != "0.53x (8.00 vs 15)" {
		t.Errorf("CPU vs prosody = %+v", v)
	}
	// Exactly at the bound is met.
	v = compare{mine: "moonport", other: "moonport", key: "echo", what: "echo", want: 1}.eval("3", s)
	if v.outcome != met {
		t.Errorf("a ratio of exactly 1 against ≥ 1: %+v", v)
	}
	v = compare{mine: "moonport", other: "redis", key: "echo", what: "echo", want: 1}.eval("3", s)
	if v.outcome != notMeasured || v.detail != "no figure for redis" {
		t.Errorf("a peer without the figure: %+v", v)
	}
	v = compare{mine: "moonport-workers", other: "prosody", key: "echo cpu", what: "CPU", want: 1, lower: true}.eval("1", s)
	if v.outcome != notMeasured || v.detail != "no figure for moonport-workers" {
		t.Errorf("moonport without the figure: %+v", v)
	}
}

func TestEvaluate(t *testing.T) {
	one := testStep()
	one.cores = splitCores([]int{0, 1}, 1, "1")
	one.res = results{}
	one.res.add("echo cpu", "moonport", 20)
	one.res.add("echo cpu", "prosody", 15)
	vs := evaluate([]step{one, testStep()}, 10000)
	// Target 1 at each step.
	if v := find(t, vs, "1", "CPU per echo round-trip: moonport ≤ 1x prosody (1)"); v.outcome != missed || v.detail != "1.33x (20 vs 15)" {
		t.Errorf("target 1 on 1 CPU: %+v", v)
	}
	if v := find(t, vs, "1", "CPU per echo round-trip: moonport ≤ 1x prosody (all)"); v.outcome != met {
		t.Errorf("target 1 on all CPUs: %+v", v)
	}
	if v := find(t, vs, "1", "PING RESP, -P 16: moonport ≤ 1x prosody (all)"); v.outcome != missed || v.detail != "1.08x (1300 vs 1200)" {
		t.Errorf("target 1 PING: %+v", v)
	}
	// Target 3 on the whole machine, for both moonport columns.
	if v := find(t, vs, "3", "PING RESP -P 16: moonport-workers ≥ 1.2x prosody (all)"); v.outcome != met || v.detail != "1.43x (1.00M vs 700.0k)" {
		t.Errorf("target 3 PING: %+v", v)
	}
	if v := find(t, vs, "3", "HTTP hello: moonport ≥ 0.6x nginx-lua"); v.outcome != missed {
		t.Errorf("target 3 HTTP: %+v", v)
	}
	// Target 4: 1300 vs 1250 ns is 1.04x (met); 500k vs 600k is 0.83x (missed).
	if v := find(t, vs, "4", "CPU per PING RESP -P 16 with the run budget"); v.outcome != met || v.detail != "1.04x (1300 vs 1250)" {
		t.Errorf("target 4 CPU: %+v", v)
	}
	if v := find(t, vs, "4", "PING RESP -P 16 with the run budget: moonport ≥ 0.95x"); v.outcome != shown || v.detail != "0.83x (500.0k vs 600.0k)" {
		t.Errorf("target 4 rate: %+v", v)
	}
	// Target 5: 4,000 bytes is met; a failed echo check is missed.
	if v := find(t, vs, "5", "moonport: ≤ 4,096"); v.outcome != met || !strings.Contains(v.detail, "4000 bytes, 10000 connections") {
		t.Errorf("target 5: %+v", v)
	}
	if v := find(t, vs, "5", "moonport-workers: ≤ 4,096"); v.outcome != missed || v.detail != "3 did not echo" {
		t.Errorf("target 5 with a failed echo: %+v", v)
	}
	// Target 6: workers against HAProxy per thread.
	if v := find(t, vs, "6", "echo: moonport-workers ≥ 1x haproxy-lua"); v.outcome != met || v.detail != "1.04x (130.0k vs 125.0k)" {
		t.Errorf("target 6 echo: %+v", v)
	}
	for _, v := range vs {
		if v.target == "4" && strings.Contains(v.check, "(1)") {
			t.Errorf("target 4 checked on a step without moonport-nobudget: %+v", v)
		}
	}
}

func TestIdleTargetBelowTenThousand(t *testing.T) {
	vs := idleTarget(testStep(), 1000)
	if !strings.Contains(vs[0].detail, "run with -idle 10000") {
		t.Errorf("idle target at 1,000 connections: %+v", vs[0])
	}
}

func TestPrintTargets(t *testing.T) {
	t.Setenv("MOONPORT_BENCH_EXTRA", "")
	steps := []step{testStep()}
	var b bytes.Buffer
	printTargets(&b, evaluate(steps, 10000), steps, 2)
	out := b.String()
	mustContain(t, "targets", out, "## Issue 18 targets", "This machine has 2 CPUs", "| target | check | verdict | measured |\n|---|---|---|---|\n",
		"| 6 | echo: moonport-workers ≥ 1x haproxy-lua (all) | **met** | 1.04x (130.0k vs 125.0k) |", " met, ", " not measured (1 figures shown beside a check).")
	if strings.Contains(out, "MOONPORT_BENCH_EXTRA") {
		t.Errorf("a note on MOONPORT_BENCH_EXTRA without it set:\n%s", out)
	}
}
