package cli

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
)

// exitHelped is what a command's flag parsing returns when it printed the
// command's help for -h or --help: run turns it into exitOK.
const exitHelped = -1

// helpFlags ask for the help of the command they follow (of run, the
// default command, when first) and versionFlags for the version.
var (
	helpFlags    = []string{"-h", "--help", "-help"}
	versionFlags = []string{"--version", "-version"}
)

// takesConfig tells whether command c reads a config (--config FILE).
func takesConfig(c command) bool { return strings.Contains(c.Usage, "--config") }

// commandHelp prints `moonport help NAME`: the synopsis, what the command
// does and its flags.
func commandHelp(w io.Writer, c command) {
	fmt.Fprintf(w, "Usage: moonport %s\n\n%s\n\nFlags:\n", strings.TrimSpace(c.Name+" "+c.Usage), c.Short)
	if takesConfig(c) {
		fmt.Fprintf(w, "  -c, --config FILE   the config file (--config=FILE too; default ./%s, else the embedded default)\n", defaultConfigName)
	}
	fmt.Fprintln(w, "  -h, --help          print this help")
	fmt.Fprintln(w, "\n`moonport help` lists every command.")
}

// runHelp is `moonport help [COMMAND]`.
func runHelp(inv *invocation, args []string) int {
	help, _ := lookup("help")
	switch {
	case len(args) == 0:
		usage(inv.stdout)
	case len(args) == 1 && slices.Contains(helpFlags, args[0]):
		commandHelp(inv.stdout, help)
	case len(args) == 1 && !strings.HasPrefix(args[0], "-"):
		c, ok := lookup(args[0])
		if !ok {
			unknownCommand(inv.stderr, args[0])
			return exitUsage
		}
		commandHelp(inv.stdout, c)
	default:
		return badArgs(inv.stderr, help, args)
	}
	return exitOK
}

// runVersion is `moonport version` and `moonport --version`: the version,
// the Go that built it and the Lua VM.
func runVersion(inv *invocation, args []string) int {
	if len(args) == 1 && slices.Contains(helpFlags, args[0]) {
		c, _ := lookup("version")
		commandHelp(inv.stdout, c)
		return exitOK
	}
	if len(args) > 0 {
		c, _ := lookup("version")
		return badArgs(inv.stderr, c, args)
	}
	fmt.Fprintln(inv.stdout, "moonport", inv.build.Version)
	fmt.Fprintln(inv.stdout, "go", runtime.Version(), runtime.GOOS+"/"+runtime.GOARCH)
	fmt.Fprintln(inv.stdout, "lua", luaVM())
	return exitOK
}

// luaVM names the Lua VM the binary was built with: gopher-lua, and
// whether it is moonport's fork (go.mod's replace).
func luaVM() string {
	const path = "github.com/yuin/gopher-lua"
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "gopher-lua"
	}
	for _, m := range bi.Deps {
		if m.Path == path && m.Replace != nil {
			return "gopher-lua " + m.Version + ", moonport's fork (third_party/gopher-lua/MOONPORT.md)"
		} else if m.Path == path {
			return "gopher-lua " + m.Version
		}
	}
	return "gopher-lua"
}

// badArgs reports arguments command c does not take.
func badArgs(w io.Writer, c command, args []string) int {
	fmt.Fprintf(w, "moonport %s: unexpected argument %q\nUsage: moonport %s (moonport help %s)\n",
		c.Name, args[0], strings.TrimSpace(c.Name+" "+c.Usage), c.Name)
	return exitUsage
}

// unknownCommand reports a command name not in the table, with the
// nearest one, then the table.
func unknownCommand(w io.Writer, name string) {
	names := make([]string, len(commands))
	for i, c := range commands {
		names[i] = c.Name
	}
	fmt.Fprintf(w, "moonport: unknown command %q%s\n\n", name, didYouMean(name, names, ""))
	usage(w)
}

// didYouMean is `; did you mean "NAME"?` for the candidate nearest to
// got (by edit distance, or the only one got begins), or "" when none is
// near. prefix is put before the name ("--" for a flag).
func didYouMean(got string, candidates []string, prefix string) string {
	best, bestD := "", 0
	for _, c := range candidates {
		d := editDistance(got, c)
		if best == "" || d < bestD {
			best, bestD = c, d
		}
	}
	if best != "" && bestD <= max(2, len(got)/3) {
		return fmt.Sprintf("; did you mean %q?", prefix+best)
	}
	var starts []string
	for _, c := range candidates {
		if got != "" && strings.HasPrefix(c, got) {
			starts = append(starts, c)
		}
	}
	if len(starts) == 1 {
		return fmt.Sprintf("; did you mean %q?", prefix+starts[0])
	}
	return ""
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
