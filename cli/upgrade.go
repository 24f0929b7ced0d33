package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/moonport/moonport/host/upgrade"
)

// upgradeTimeout is how long the new process of an upgrade has to become
// ready (load its modules, take the sockets, bind new ones) before it is
// stopped and this one carries on.
const upgradeTimeout = time.Minute

// startUpgrader makes the process's upgrader, which hands listening
// sockets to a new moonport binary (SIGUSR2 or the console's
// server:upgrade()). A process started by an upgrade whose hand-over
// cannot be read is refused: it could not serve the sockets the old one
// still holds.
func (inv *invocation) startUpgrader() bool {
	u, err := upgrade.New()
	if err != nil {
		fmt.Fprintln(inv.stderr, "moonport: zero-downtime upgrade:", err)
		return false
	}
	inv.upgrader = u
	return true
}

// upgradeNow runs one upgrade, bounded by upgradeTimeout.
func (inv *invocation) upgradeNow() error {
	ctx, cancel := context.WithTimeout(context.Background(), upgradeTimeout)
	defer cancel()
	return inv.upgrader.Upgrade(ctx)
}
