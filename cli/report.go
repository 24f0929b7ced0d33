package cli

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/moonport/moonport/host/core"
)

// configFindings are what the config check reports: as errors the plan's
// problems and the modules that did not load; as warnings the config's
// and the options nothing reads; as notes the XMPP modules skipped. TLS
// errors are the certificate check's.
func configFindings(h *core.Host) (errs, warns, notes []string) {
	for _, p := range h.Plan().Problems {
		errs = append(errs, p.Error())
	}
	rep := h.ModuleReport()
	for _, f := range rep.Failed {
		errs = append(errs, f.Err.Error())
	}
	warns = append(append(warns, h.Warnings()...), h.UnknownOptions()...)
	if len(rep.SkippedXMPP) > 0 {
		notes = append(notes, "skipped XMPP modules, as moonport is not an XMPP server: "+strings.Join(rep.SkippedXMPP, ", "))
	}
	return errs, warns, notes
}

// checkConfig reports `moonport check config`: errors, then warnings,
// then notes.
func checkConfig(h *core.Host, out io.Writer) int {
	errs, warns, notes := configFindings(h)
	for _, e := range h.TLSErrors() {
		errs = append(errs, e.Error())
	}
	for _, e := range errs {
		fmt.Fprintln(out, "error:", e)
	}
	for _, w := range warns {
		fmt.Fprintln(out, "warning:", w)
	}
	for _, n := range notes {
		fmt.Fprintln(out, "info:", n)
	}
	switch {
	case len(errs) > 0:
		fmt.Fprintf(out, "%d error(s), %d warning(s) in %s\n", len(errs), len(warns), h.Config().Path)
		return exitConfig
	case len(warns) > 0:
		fmt.Fprintf(out, "no errors, %d warning(s) in %s\n", len(warns), h.Config().Path)
		return exitWarnings
	}
	fmt.Fprintf(out, "config OK: %s (%d file(s), %d host(s), %d service(s), %d listener socket(s))\n",
		h.Config().Path, len(h.Config().Files), len(h.Config().Hosts()), len(h.Runtime.PortServices()), len(h.Plan().Bindings))
	return exitOK
}

// printPorts is `moonport ports`: the plan as a table, then its errors.
// It returns exitConfig when there were errors.
func printPorts(h *core.Host, out io.Writer) int {
	bs := h.Plan().Bindings
	sort.SliceStable(bs, func(i, j int) bool { return bs[i].Port < bs[j].Port })
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tLISTENER\tADDRESS\tPORT\tTRANSPORT\tENCRYPTION\tREACH")
	for _, b := range bs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", b.Service, b.Listener, b.Address, b.Port, b.Network, b.Encryption, b.Reach())
	}
	_ = tw.Flush()
	code := exitOK
	for _, p := range h.Plan().Problems {
		fmt.Fprintln(out, "error:", p.Error())
		code = exitConfig
	}
	for _, e := range h.TLSErrors() {
		fmt.Fprintln(out, "error:", e.Error())
		code = exitConfig
	}
	return code
}
