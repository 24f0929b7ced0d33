package cli

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/moonport/moonport/host/check"
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

// configResults is the config check: its errors as failures, its
// warnings, and a pass when there are neither; the notes are INFO lines.
// alone (check config, not part of all) adds the TLS errors, which are
// otherwise the certificate check's.
func configResults(h *core.Host, alone bool) (check.Results, []string) {
	errs, warns, notes := configFindings(h)
	if alone {
		for _, e := range h.TLSErrors() {
			errs = append(errs, e.Error())
		}
	}
	var r check.Results
	for _, e := range errs {
		r = append(r, check.Result{Level: check.Fail, Message: e})
	}
	for _, w := range warns {
		r = append(r, check.Result{Level: check.Warn, Message: w})
	}
	if len(r) == 0 {
		c := h.Config()
		r = append(r, check.Result{Level: check.Pass, Message: fmt.Sprintf("config %s evaluates cleanly (%d file(s), %d host(s), %d service(s), %d listener socket(s))",
			c.Path, len(c.Files), len(c.Hosts()), len(h.Runtime.PortServices()), len(h.Plan().Bindings))})
	}
	return r, notes
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
