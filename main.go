// Command moonport is a Lua-scriptable listener host: it reads a
// Prosody-style prosody.cfg.lua, loads Lua modules written against
// Prosody's net API and serves their TCP listeners. The command line is
// package cli; main holds what only the root folder can: the embedded
// files (go:embed reaches no higher than its package's folder).
package main

import (
	"embed"
	"os"

	"github.com/moonport/moonport/cli"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

//go:embed examples/default.cfg.lua examples/modules
var examples embed.FS

//go:embed modules
var shipped embed.FS

func main() {
	os.Exit(cli.Main(os.Args[1:], cli.Build{Version: version, Examples: examples, Shipped: shipped}))
}
