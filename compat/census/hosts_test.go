package census

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/moonport/moonport/compat"
)

// modulesDir is where Debian installs Prosody's modules and prosody-modules'
// folders: the plugin path of the census config, so both hosts find the
// same files (moonport's shipped modules of Prosody's names come after it).
const modulesDir = "/usr/lib/prosody/modules"

// checkTimeout bounds one `moonport check config`.
const checkTimeout = 20 * time.Second

// writeConfig writes the census config for m into dir, the same for both
// hosts: logging at info to the console, the modules folder as plugin
// path, one VirtualHost "localhost", and the module alone in the global
// modules_enabled (with "http" when it provides an HTTP app, which Prosody
// serves only with mod_http loaded). mod_muc and the modules that depend
// on it go on a Component "conference.localhost" of mod_muc instead, as
// Prosody requires. mod_http_errors' pages get fixed lines
// (errorMessages), so the two hosts' pages can be compared.
func writeConfig(dir string, m module) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	enabled := fmt.Sprintf("%q", m.Name)
	if m.Name != "http" && m.providesHTTP() {
		enabled += `, "http"`
	}
	body := fmt.Sprintf("-- Written by the module census: mod_%s alone.\n"+
		"log = { info = \"*console\" }\nplugin_paths = { %q }\n%s", m.Name, modulesDir, errorMessages)
	switch {
	case m.Name == "muc":
		body += "\nVirtualHost \"localhost\"\n\nComponent \"conference.localhost\" \"muc\"\n"
	case m.dependsOnMUC():
		body += fmt.Sprintf("\nVirtualHost \"localhost\"\n\nComponent \"conference.localhost\" \"muc\"\n\tmodules_enabled = { %s }\n", enabled)
	default:
		body += fmt.Sprintf("modules_enabled = { %s }\n\nVirtualHost \"localhost\"\n", enabled)
	}
	cfg := filepath.Join(dir, "census.cfg.lua")
	return cfg, os.WriteFile(cfg, []byte(body), 0o644)
}

// errorMessages gives mod_http_errors one line per page where it picks one
// at random (404, 500 and the page at "/"), its own for the others.
const errorMessages = `http_errors_messages = {
	[400] = { "What kind of request do you call that??" };
	[403] = { "You're not allowed to do that." };
	[404] = { "Whatever you were looking for is not here." };
	[500] = { "It broke. Check your error log for more info." };
	["/"] = { "A study in simplicity." };
}
`

// moonportLine is one error line of moonport's log (logrus's text form)
// about a module.
var moonportLine = regexp.MustCompile(`level=error msg="((?:[^"\\]|\\.)*)".*\bmodule=(\S+)`)

// moonportCheck runs `moonport check config` on cfg and says whether the
// module name loaded; when not, the first failure is moonport's first
// error line about it. check config loads the modules without binding;
// where namespaces can be made it runs as compat.RunUser inside them
// anyway, so a module that writes where Prosody's files are writes into
// its own work folder.
func (c *census) moonportCheck(cfg, name string) (bool, string, error) {
	argv := []string{c.bin, "check", "config", "--config", cfg}
	var text string
	if c.isolated {
		n := compat.Namespace{Script: c.netns, Work: filepath.Join(filepath.Dir(cfg), "check"), User: compat.RunUser,
			Env: compat.BaseEnv(), Argv: argv}
		if err := os.MkdirAll(n.Work, 0o755); err != nil {
			return false, "", err
		}
		if _, err := n.Run(); err != nil {
			return false, "", fmt.Errorf("moonport check config for %s: %v", name, err)
		}
		text = readString(filepath.Join(n.Work, "out"))
	} else {
		ctx, cancel := context.WithTimeout(context.Background(), checkTimeout)
		defer cancel()
		out, err := exec.CommandContext(ctx, argv[0], argv[1:]...).CombinedOutput()
		if err != nil && ctx.Err() != nil {
			return false, "", fmt.Errorf("moonport check config for %s: %v", name, err)
		}
		text = string(out)
	}
	// The work folder differs from run to run; the table should not.
	text = strings.ReplaceAll(text, c.work, "WORK")
	if moonportLoaded(text, name) {
		return true, "", nil
	}
	return false, moonportFailure(text, name), nil
}

// moonportLoaded reads check config's report: a module that did not load
// has an error line naming it, or is among the skipped XMPP modules.
func moonportLoaded(report, name string) bool {
	failed := regexp.MustCompile(`(?i)^(error:|FAIL) +(loading )?module '` + regexp.QuoteMeta(name) + `'`)
	for _, line := range strings.Split(report, "\n") {
		if failed.MatchString(line) {
			return false
		}
		if _, list, ok := strings.Cut(line, "not an XMPP server: "); ok {
			for _, n := range strings.Split(list, ", ") {
				if n == name {
					return false
				}
			}
		}
	}
	return true
}

// moonportFailure is the first error line moonport logged about the
// module, or else the first line of the report naming it; both are in
// text, check config's output.
func moonportFailure(text, name string) string {
	for _, line := range strings.Split(text, "\n") {
		m := moonportLine.FindStringSubmatch(line)
		if m == nil || m[2] != name {
			continue
		}
		if msg, err := strconv.Unquote(`"` + m[1] + `"`); err == nil {
			return shorten(msg)
		}
		return shorten(m[1])
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, "'"+name+"'") || strings.Contains(line, " "+name) {
			return shorten(line)
		}
	}
	return "(no error line)"
}

// shorten keeps the first line of a failure, without the noise every line
// has (the modules folder, "error in module body").
func shorten(msg string) string {
	msg, _, _ = strings.Cut(msg, "\n")
	msg = strings.ReplaceAll(msg, modulesDir+"/", "")
	msg = strings.ReplaceAll(msg, "error in module body: ", "")
	return strings.TrimSuffix(strings.TrimSpace(msg), ":")
}

// prosodyFailure finds the line where Prosody says the module did not load,
// in its output; "" when there is none.
func prosodyFailure(out, name string) string {
	q := regexp.QuoteMeta(name)
	re := regexp.MustCompile(`(Unable to load module|Error initializing module|Error loading module) '` + q + `'.*|Not loading module, .*mod_` + q + `\b.*`)
	if m := re.FindString(out); m != "" {
		return shorten(m)
	}
	return ""
}

// hostRun is one host's run of one module's config in its namespaces.
type hostRun struct {
	Outcome compat.Outcome
	Out     string // what the host printed
	Probe   string // what probe.sh printed; "" without targets
	Targets string // what probe.sh was asked
}

// runHost runs argv (ending in the config) as compat.RunUser in work,
// with probe.sh; targets, when not "", are what the probe asks.
func (c *census) runHost(work string, argv []string, targets string) (hostRun, error) {
	if targets != "" {
		if err := os.WriteFile(filepath.Join(work, "targets"), []byte(targets), 0o644); err != nil {
			return hostRun{}, err
		}
	}
	n := compat.Namespace{Script: c.netns, Probe: c.probe, Work: work, User: compat.RunUser, Env: compat.BaseEnv(), Argv: argv}
	o, err := n.Run()
	if err != nil {
		return hostRun{}, err
	}
	r := hostRun{Outcome: o}
	r.Out = readString(filepath.Join(work, "out"))
	r.Targets = readString(filepath.Join(work, "targets"))
	r.Probe = readString(filepath.Join(work, "probe"))
	return r, nil
}

// readString is a file's text, "" when it cannot be read.
func readString(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}
