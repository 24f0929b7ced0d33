package cli

import (
	"fmt"
	"strconv"

	"github.com/coreos/go-systemd/v22/daemon"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"

	"github.com/moonport/moonport/host/core"
)

// notify tells systemd (Type=notify) how the server is doing; outside
// systemd (no NOTIFY_SOCKET) it does nothing.
func notify(log logrus.FieldLogger, states ...string) {
	msg := ""
	for _, s := range states {
		if s == "RELOADING=1" {
			// systemd 253 and later want the time a reload began.
			msg += "MONOTONIC_USEC=" + strconv.FormatInt(monotonicUsec(), 10) + "\n"
		}
		msg += s + "\n"
	}
	if _, err := daemon.SdNotify(false, msg); err != nil {
		log.Warnf("cannot notify systemd: %v", err)
	}
}

// status is the one-line STATUS= systemd shows.
func status(h *core.Host) string {
	rs := h.ReloadStatus()
	s := fmt.Sprintf("STATUS=%d listener(s), %d connection(s)", len(h.Pool.Listeners()), h.Server.Count())
	if rs.LastError != "" {
		s += "; last reload failed: " + rs.LastError
	}
	return s
}

// monotonicUsec reads CLOCK_MONOTONIC in microseconds.
func monotonicUsec() int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return 0
	}
	return ts.Nano() / 1000
}
