package cli

import (
	"fmt"
	"io"
	"sort"
	"text/tabwriter"

	"github.com/moonport/moonport/host/core"
)

// checkConfig reports `moonport check config`: the plan's and TLS's
// errors, then the warnings.
func checkConfig(h *core.Host, out io.Writer) int {
	problems := 0
	for _, p := range h.Plan().Problems {
		fmt.Fprintln(out, "error:", p.Error())
		problems++
	}
	for _, e := range h.TLSErrors() {
		fmt.Fprintln(out, "error:", e.Error())
		problems++
	}
	for _, w := range h.Warnings() {
		fmt.Fprintln(out, "warning:", w)
	}
	switch {
	case problems > 0:
		fmt.Fprintf(out, "%d error(s), %d warning(s) in %s\n", problems, len(h.Warnings()), h.Config().Path)
		return exitConfig
	case len(h.Warnings()) > 0:
		fmt.Fprintf(out, "no errors, %d warning(s) in %s\n", len(h.Warnings()), h.Config().Path)
		return exitWarnings
	}
	fmt.Fprintf(out, "config OK: %s (%d file(s), %d host(s), %d service(s), %d listener socket(s))\n",
		h.Config().Path, len(h.Config().Files), len(h.Config().Hosts()), len(h.Runtime.PortServices()), len(h.Plan().Bindings))
	return exitOK
}

// printPorts is `moonport ports`: the plan as a table, then its errors.
func printPorts(h *core.Host, out io.Writer) {
	bs := h.Plan().Bindings
	sort.SliceStable(bs, func(i, j int) bool { return bs[i].Port < bs[j].Port })
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tLISTENER\tADDRESS\tPORT\tTRANSPORT\tENCRYPTION\tREACH")
	for _, b := range bs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", b.Service, b.Listener, b.Address, b.Port, b.Network, b.Encryption, b.Reach())
	}
	_ = tw.Flush()
	for _, p := range h.Plan().Problems {
		fmt.Fprintln(out, "error:", p.Error())
	}
	for _, e := range h.TLSErrors() {
		fmt.Fprintln(out, "error:", e.Error())
	}
}
