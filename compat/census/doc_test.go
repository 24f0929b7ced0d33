package census

import (
	"fmt"
	"strings"
)

// report is docs/prosody-modules.md.
func report(results []result) string {
	c := count(results)
	var b strings.Builder
	fmt.Fprintf(&b, `# Prosody's modules in moonport

Written by `+"`compat/census/run`"+` (the census, compat/census): do not edit by hand.
Every module file of Debian's `+"`prosody`"+` (%s) and `+"`prosody-modules`"+` (%s)
packages, each alone in the same minimal config, in Prosody and in moonport.

- %d module files; Prosody loads %d of them, %d of which need XMPP stanza routing (rules below).
- **Of the %d that Prosody loads and that need no stanza routing, moonport loads %d (%s).** Issue 16 asks for at least 90%%.
- moonport loads %d of the %d in all.
- %d of the modules Prosody loads serve something (an HTTP path or a TCP port); %d answer a client as Prosody does.

`, version("prosody"), version("prosody-modules"), c.All, c.ProsodyLoads, c.Routing,
		c.Plain, c.PlainMoonport, percent(c.PlainMoonport, c.Plain), c.MoonportLoads, c.All, c.Exercised, c.Same)
	b.WriteString("## Most common first failures\n\nOf the modules Prosody loads and moonport does not, by moonport's first error.\n\n" +
		"| modules | first failure | which |\n| --- | --- | --- |\n")
	for _, line := range topFailures(results) {
		b.WriteString(line + "\n")
	}
	b.WriteString("\n## Modules\n\n| module | package | loads in Prosody | loads in moonport | first failure (moonport) | needs stanza routing | client answer |\n" +
		"| --- | --- | --- | --- | --- | --- | --- |\n")
	for _, r := range results {
		b.WriteString(row(r) + "\n")
	}
	b.WriteString(method())
	return b.String()
}

// row is one module's line of the table.
func row(r result) string {
	failure := ""
	if !r.MoonportLoads {
		failure = cell(r.MoonportFailure)
		if e := explain(r.MoonportFailure); e != "" {
			failure += ": " + e
		}
	}
	prosody := yesNo(r.ProsodyLoads)
	if !r.ProsodyLoads {
		prosody = "no: " + cell(r.ProsodyFailure)
	}
	routing := "no"
	if r.Routing {
		routing = "yes: " + r.RoutingWhy
	}
	answer := ""
	if r.Exercised != "" {
		answer = cell(r.Answer) + " (" + cell(strings.ReplaceAll(r.Exercised, "\n", "; ")) + ")"
		if r.Answer == "same" {
			answer = "same (" + cell(strings.ReplaceAll(r.Exercised, "\n", "; ")) + ")"
		}
	}
	return fmt.Sprintf("| %s | %s | %s | %s | %s | %s | %s |", r.Module.Name, r.Module.Package, prosody,
		yesNo(r.MoonportLoads), failure, strings.ReplaceAll(routing, "|", `\|`), answer)
}

// method says how each column is measured, with the routing rules as the
// code applies them.
func method() string {
	var b strings.Builder
	b.WriteString(`
## How it is measured

- **The modules**: every file named ` + "`mod_NAME.lua`" + ` that ` + "`dpkg -L prosody prosody-modules`" + ` lists under a ` + "`modules`" + `
  folder; NAME is the module. The config, the same for both hosts: ` + "`log = { info = \"*console\" }`" + `,
  ` + "`plugin_paths = { \"" + modulesDir + "\" }`" + `, ` + "`modules_enabled = { \"NAME\" }`" + `, ` + "`VirtualHost \"localhost\"`" + `;
  with ` + "`\"http\"`" + ` enabled too when the module provides an HTTP app (Prosody serves none without mod_http); mod_muc,
  and the modules that ` + "`module:depends(\"muc\")`" + `, on ` + "`Component \"conference.localhost\" \"muc\"`" + ` instead, as Prosody requires.
- **Loads in Prosody**: ` + "`prosody -F`" + ` on it as the user ` + "`prosody`" + ` in fresh network, mount and PID namespaces
  (compat/netns.sh), until it has settled; the module did not load when Prosody logs ` + "`Unable to load module 'NAME'`" + `,
  ` + "`Error initializing module 'NAME'`" + `, ` + "`Error loading module 'NAME'`" + ` or ` + "`Not loading module`" + ` for it, or exits.
- **Loads in moonport**: ` + "`moonport check config`" + ` on it (it loads the modules and binds nothing); the module did not load
  when the report has an error naming it or lists it among the skipped XMPP modules. The first failure is moonport's first
  error line about the module, shortened to its first line.
- **Client answer**: for each module Prosody loads, the HTTP apps its log says it serves (` + "`Serving 'x' at http://…`" + `)
  are fetched (GET, status, content type, length and SHA-256 of the body) and each TCP port it listens on, other than
  5222, 5269, 5280 and 5281, is connected to and its first 64 bytes read (within 1 s); then moonport is run on the same
  config in the same way and asked the same (compat/census/probe.sh). "same" means every answer matched.
- **Needs XMPP stanza routing**: yes when the module's source (its file, and the ` + "`.lua`" + ` files of its own folder)
  hooks an event (` + "`module:hook`" + `, ` + "`hook_global`" + `, ` + "`events.add_handler`" + ` with a literal name) whose name matches
  ` + "`" + stanzaEvent.String() + "`" + `, or else matches one of these, tried in order:
`)
	for _, r := range routingRules {
		fmt.Fprintf(&b, "  - %s: `%s`\n", r.Why, r.Re.String())
	}
	b.WriteString("  - depends on a module that needs it: `" + dependsCall.String() + "` naming a module of the census that does.\n")
	return b.String()
}
