package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/moonport/moonport/host/upgrade"
)

// upgrader hands listening sockets to a new moonport binary (SIGUSR2 or
// the console's server:upgrade()). main sets it; in-process callers of
// run (the tests) have none.
var upgrader *upgrade.Upgrader

// upgradeTimeout is how long the new process of an upgrade has to become
// ready (load its modules, take the sockets, bind new ones) before it is
// stopped and this one carries on.
const upgradeTimeout = time.Minute

// startUpgrader makes the process's upgrader. A process started by an
// upgrade whose hand-over cannot be read is refused: it could not serve
// the sockets the old one still holds.
func startUpgrader(stderr io.Writer) bool {
	u, err := upgrade.New()
	if err != nil {
		fmt.Fprintln(stderr, "moonport: zero-downtime upgrade:", err)
		return false
	}
	upgrader = u
	return true
}

// upgradeNow runs one upgrade, bounded by upgradeTimeout.
func upgradeNow() error {
	ctx, cancel := context.WithTimeout(context.Background(), upgradeTimeout)
	defer cancel()
	return upgrader.Upgrade(ctx)
}
