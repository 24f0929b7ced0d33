package cli

import (
	"slices"
	"strings"
	"testing"
)

// TestHelpPrintsTheCommandTable: help lists every command of the table
// with its usage and what it does, in the old layout (the description at
// column 37, or under a long synopsis); an unknown command prints the same
// list on stderr.
func TestHelpPrintsTheCommandTable(t *testing.T) {
	code, out, _ := runCLI(t, "help")
	if code != exitOK {
		t.Fatalf("help: exit %d", code)
	}
	for _, c := range commands {
		name := c.Name
		if name == serveCommand {
			name = "[run]"
		}
		if !strings.Contains(out, "  moonport "+name) || !strings.Contains(out, c.Short+"\n") {
			t.Errorf("help lacks %s:\n%s", c.Name, out)
		}
	}
	for _, want := range []string{
		"\n  moonport [run] [--config FILE]     serve (the default command)\n",
		"\n  moonport shell [--config FILE] [COMMAND]\n" + strings.Repeat(" ", shortColumn) + "a session with the running server's console, or one command\n",
		"\n  moonport version                   print the version, the Go that built it and the Lua VM\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("help lacks the line %q:\n%s", want, out)
		}
	}
	if code, _, errOut := runCLI(t, "frobnicate"); code != exitUsage || !strings.HasSuffix(errOut, out) {
		t.Errorf("unknown command: exit %d, stderr\n%s", code, errOut)
	}
}

func TestCommandName(t *testing.T) {
	for _, c := range []struct {
		args, rest []string
		name       string
	}{
		{nil, nil, "run"},
		{[]string{"-c", "x.cfg.lua"}, []string{"-c", "x.cfg.lua"}, "run"},
		{[]string{"run", "-c", "x.cfg.lua"}, []string{"-c", "x.cfg.lua"}, "run"},
		{[]string{"check", "ports"}, []string{"ports"}, "check"},
	} {
		name, rest := commandName(c.args)
		if name != c.name || !slices.Equal(rest, c.rest) {
			t.Errorf("commandName(%q) = %q, %q; want %q, %q", c.args, name, rest, c.name, c.rest)
		}
	}
	seen := map[string]bool{}
	for _, c := range commands {
		if seen[c.Name] || c.Run == nil || c.Short == "" {
			t.Errorf("command %q: a second entry, or no Run or Short", c.Name)
		}
		seen[c.Name] = true
	}
}

// TestDidYouMean: the nearest name by edit distance, or the only one the
// word begins; nothing when none is near.
func TestDidYouMean(t *testing.T) {
	names := []string{"run", "check", "ports", "shell", "reload", "version", "help"}
	for got, want := range map[string]string{
		"chek": `; did you mean "check"?`, "prots": `; did you mean "ports"?`, "ver": `; did you mean "version"?`,
		"relaod": `; did you mean "reload"?`, "frobnicate": "", "": "",
	} {
		if s := didYouMean(got, names, ""); s != want {
			t.Errorf("didYouMean(%q) = %q, want %q", got, s, want)
		}
	}
	if s := didYouMean("confg", flagsOfConfig, "--"); s != `; did you mean "--config"?` {
		t.Errorf("flag: %q", s)
	}
}
