package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/moonport/moonport/host/core"
)

// startupLine is the one line that says a started server serves: the
// version, the config, how many listeners and which of them other
// machines reach, the modules loaded and left out, and the time it took.
func startupLine(h *core.Host, version string, took time.Duration) string {
	ls := h.Pool.Listeners()
	var public []string
	for _, l := range ls {
		if b := l.Binding(); b.Public() {
			public = append(public, fmt.Sprintf("%s %s", b.Service, l.Addr()))
		}
	}
	reach := "none public"
	if len(public) > 0 {
		reach = "public: " + strings.Join(public, ", ")
	}
	rep := h.Runtime.LoadReport()
	return fmt.Sprintf("moonport %s ready in %s: config %s; %d listener(s), %s; %d module(s) loaded, %d failed, %d XMPP skipped",
		version, took.Round(time.Millisecond), h.Config().Path, len(ls), reach,
		len(h.Runtime.Primaries()), len(rep.Failed), len(rep.SkippedXMPP))
}
