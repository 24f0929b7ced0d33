package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/moonport/moonport/host/check"
	"github.com/moonport/moonport/host/config"
	"github.com/moonport/moonport/host/core"
	"github.com/moonport/moonport/host/ports"
)

// preflight runs `moonport check [ports|certs|perms]` (all of them, and
// the config check, for "all") and prints one line a finding, then the
// firewall table. Exit: 1 on a failure, 2 on warnings only.
func preflight(h *core.Host, snap *config.Snapshot, what string, out io.Writer) int {
	var all check.Results
	section := func(name string, r check.Results) {
		fmt.Fprintf(out, "== %s\n", name)
		for _, x := range r {
			fmt.Fprintf(out, "%s  %s\n", x.Level, x.Message)
		}
		all = append(all, r...)
	}
	if what == "all" {
		var r check.Results
		errs, warns, _ := configFindings(h)
		for _, e := range errs {
			r = append(r, check.Result{Level: check.Fail, Message: e})
		}
		for _, w := range warns {
			r = append(r, check.Result{Level: check.Warn, Message: w})
		}
		if len(r) == 0 {
			r = append(r, check.Result{Level: check.Pass, Message: "config " + snap.Path + " evaluates cleanly"})
		}
		section("config", r)
	}
	if what == "all" || what == "ports" {
		section("ports", check.Ports(h.Plan(), check.CurrentPrivilege(), servedBy(snap)))
	}
	if what == "all" || what == "certs" {
		var hosts []string
		for _, sec := range snap.Hosts() {
			if sec.Kind == config.VirtualHost {
				hosts = append(hosts, sec.Name)
			}
		}
		section("certs", check.Certs(h.Plan(), h.TLSErrors(), h.TLSListeners(), hosts, time.Now()))
	}
	if what == "all" || what == "perms" {
		section("perms", check.Perms(h.SensitiveFiles()))
	}
	if what == "all" {
		if r := checkConsole(h, snap); len(r) > 0 {
			section("console", r)
		}
	}
	if what == "all" || what == "ports" {
		fmt.Fprintln(out, "== firewall")
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		for _, row := range check.Firewall(h.Plan()) {
			fmt.Fprintln(tw, strings.Join(row, "\t"))
		}
		_ = tw.Flush()
	}
	switch all.Worst() {
	case check.Fail:
		return exitConfig
	case check.Warn:
		return exitWarnings
	}
	return exitOK
}

// servedBy asks the running moonport's console, once, which sockets it
// serves, so a port in use by this very server is not a failure.
func servedBy(snap *config.Snapshot) func(ports.Binding) bool {
	var listing string
	asked := false
	return func(b ports.Binding) bool {
		if !asked {
			asked = true
			if c, err := dialConsole(snap); err == nil {
				var sb strings.Builder
				if ok, _ := c.run("port:list()", &sb); ok {
					listing = sb.String()
				}
				c.close()
			}
		}
		for _, line := range strings.Split(listing, "\n") {
			f := strings.Fields(line)
			if len(f) >= 4 && f[1] == b.Listener && f[2] == b.Address.String() && f[3] == strconv.Itoa(b.Port) {
				return true
			}
		}
		return false
	}
}
