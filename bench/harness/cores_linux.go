//go:build linux

package main

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// allowedCPUs is the harness's own affinity mask: every CPU the machine
// lets it use (a container or taskset may narrow it), in ascending order.
func allowedCPUs() ([]int, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return nil, fmt.Errorf("reading the CPU affinity mask: %w", err)
	}
	var cpus []int
	for i := 0; i < len(set)*64; i++ {
		if set.IsSet(i) {
			cpus = append(cpus, i)
		}
	}
	if len(cpus) == 0 {
		return nil, fmt.Errorf("the CPU affinity mask is empty")
	}
	return cpus, nil
}
