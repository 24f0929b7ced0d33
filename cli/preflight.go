package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/moonport/moonport/host/check"
	"github.com/moonport/moonport/host/config"
	"github.com/moonport/moonport/host/core"
	"github.com/moonport/moonport/host/ports"
)

// preflight runs `moonport check [config|ports|certs|perms|storage]` (all of
// them for "all") and prints them in one format: a "== name" header a
// check, one "PASS|WARN|FAIL|INFO  message" line a finding, the firewall
// table (ports), then one summary line. logged is what the modules
// logged while loading, shown as INFO lines of the config check. Exit: 1
// on a failure, 2 on warnings only.
func preflight(h *core.Host, snap *config.Snapshot, what, logged string, out io.Writer) int {
	var all check.Results
	section := func(name string, r check.Results, info []string) {
		fmt.Fprintf(out, "== %s\n", name)
		for _, x := range r {
			fmt.Fprintf(out, "%s  %s\n", x.Level, x.Message)
		}
		for _, i := range info {
			fmt.Fprintf(out, "INFO  %s\n", i)
		}
		all = append(all, r...)
	}
	if what == "all" || what == "config" {
		r, info := configResults(h, what == "config")
		for _, line := range strings.Split(strings.TrimSpace(logged), "\n") {
			if line != "" {
				info = append(info, "module log: "+line)
			}
		}
		section("config", r, info)
	}
	if what == "all" || what == "ports" {
		section("ports", check.Ports(h.Plan(), check.CurrentPrivilege(), servedBy(snap)), nil)
	}
	if what == "all" || what == "certs" {
		var hosts []string
		for _, sec := range snap.Hosts() {
			if sec.Kind == config.VirtualHost {
				hosts = append(hosts, sec.Name)
			}
		}
		section("certs", check.Certs(h.Plan(), h.TLSErrors(), h.TLSListeners(), hosts, time.Now()), nil)
	}
	if what == "all" || what == "perms" {
		o := snap.Options
		plan := check.RunAsPlan{Root: os.Geteuid() == 0, ProsodyUser: o.ProsodyUser, ProsodyGroup: o.ProsodyGroup, RunAsRoot: o.RunAsRoot}
		section("perms", append(check.Perms(h.SensitiveFiles()), check.RunAs(plan)...), nil)
	}
	if what == "all" || what == "storage" {
		o := snap.Options.Storage
		section("storage", check.Storage(context.Background(), snap, snap.DataDir(), check.OpenSQL, o.Timeout), nil)
	}
	if what == "all" {
		if r := checkConsole(h, snap); len(r) > 0 {
			section("console", r, nil)
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
	return summary(out, what, snap.Path, all)
}

// summary prints the last line of every check and gives its exit code.
func summary(out io.Writer, what, path string, r check.Results) int {
	n := map[check.Level]int{}
	for _, x := range r {
		n[x.Level]++
	}
	name := "moonport check"
	if what != "all" {
		name += " " + what
	}
	if path == "" {
		path = "not loaded"
	}
	fmt.Fprintf(out, "%s: %d passed, %d warning(s), %d failure(s) (config %s)\n", name, n[check.Pass], n[check.Warn], n[check.Fail], path)
	switch r.Worst() {
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
