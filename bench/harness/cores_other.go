//go:build !linux

package main

import "runtime"

// allowedCPUs is every CPU the Go runtime sees: bench/run pins with
// taskset, which is Linux's, so elsewhere the harness only has to build.
func allowedCPUs() ([]int, error) {
	cpus := make([]int, runtime.NumCPU())
	for i := range cpus {
		cpus[i] = i
	}
	return cpus, nil
}
