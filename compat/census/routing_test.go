package census

import (
	"fmt"
	"regexp"
)

// A module needs XMPP stanza routing when its source shows it takes part in
// an XMPP server's work: its job cannot exist in a host without streams,
// sessions, stanzas and accounts. The rules are patterns read from the
// source, so a reader can check each verdict; routingRules is the order
// they are tried in, and the first that matches is the reason given.

// stanzaEvent matches the names of events that only an XMPP server fires:
// stanzas arriving or leaving, stream and session life, accounts, MUC,
// client state, SASL.
var stanzaEvent = regexp.MustCompile(`^(` +
	`(pre-)?(iq|iq-get|iq-set|iq-result|iq-error|message|presence)/` +
	`|(stanza|route|sasl2|bookmarks|spam_reporting)/` +
	`|(pre-)?resource-(un)?bind` +
	`|(s2s|s2sin|s2sout|c2s|component|muc|csi|smacks|pubsub|authentication|account-disco)-` +
	`|(advertise|enable)-[a-z]+-features` +
	`|([a-z0-9]+-)?stream-features$` +
	`|urn:)`)

// hookCall finds event handlers being added: module:hook, hook_global and
// an events object's add_handler, with a literal event name.
var hookCall = regexp.MustCompile(`(?:module:hook(?:_global)?|\.add_handler)\(\s*["']([^"']+)["']`)

// routingRule is one pattern: what a match means, and the pattern.
type routingRule struct {
	Why string
	Re  *regexp.Regexp
}

// routingRules are tried after the stanza-event hooks, in order.
var routingRules = []routingRule{
	{"hooks the XML stream (module:hook_tag / hook_stanza)", regexp.MustCompile(`module:hook_(tag|stanza)\(`)},
	{"sends stanzas (module:send / send_iq / broadcast)", regexp.MustCompile(`module:(send|send_iq|broadcast)\(`)},
	{"routes stanzas (core_post_stanza / core_route_stanza)", regexp.MustCompile(`\bcore_(post|route)_stanza\b`)},
	{"advertises XMPP features (module:add_feature / add_identity / add_extension)", regexp.MustCompile(`module:add_(feature|identity|extension)\(`)},
	{"is an account or storage backend (module:provides \"auth\" / \"storage\")", regexp.MustCompile(`module:provides\(\s*["'](auth|storage)["']`)},
	{"reads XMPP sessions (full_sessions / bare_sessions / core.sessionmanager)", regexp.MustCompile(`\b(full_sessions|bare_sessions)\b|core\.sessionmanager`)},
	{"parses XMPP streams (util.xmppstream)", regexp.MustCompile(`util\.xmppstream`)},
	{"authenticates XMPP streams (util.sasl)", regexp.MustCompile(`["']util\.sasl`)},
	{"reads MUC rooms (mod_muc's rooms / get_room_from_jid / each_room)", regexp.MustCompile(`\bmodules\.muc\b|\.get_room_from_jid\(|\.each_room\(`)},
	{"adds XMPP ad-hoc commands (module:provides / add_item \"adhoc\")", regexp.MustCompile(`module:(provides|add_item)\(\s*["']adhoc["']`)},
}

// dependsCall finds the modules a module loads with module:depends.
var dependsCall = regexp.MustCompile(`module:depends\(?\s*["']([\w-]+)["']`)

// routing says whether the module needs XMPP stanza routing, and why: the
// rule and the text of the source that matched it. Last rule: a module
// that depends on one that needs it (module:depends with a literal name),
// needs it too.
func routing(mods []module) map[string]string {
	why := map[string]string{}
	deps := map[string][]string{}
	for _, m := range mods {
		src := m.source()
		if yes, reason := routingOf(src); yes {
			why[m.Name] = reason
		}
		for _, d := range dependsCall.FindAllStringSubmatch(src, -1) {
			deps[m.Name] = append(deps[m.Name], d[1])
		}
	}
	for changed := true; changed; {
		changed = false
		for _, m := range mods {
			for _, d := range deps[m.Name] {
				if _, done := why[m.Name]; !done && why[d] != "" {
					why[m.Name] = fmt.Sprintf("depends on mod_%s, which needs it", d)
					changed = true
				}
			}
		}
	}
	return why
}

// routingOf applies the rules to a module's source.
func routingOf(src string) (bool, string) {
	for _, h := range hookCall.FindAllStringSubmatch(src, -1) {
		if stanzaEvent.MatchString(h[1]) {
			return true, fmt.Sprintf("hooks a stanza event (%q)", h[1])
		}
	}
	for _, r := range routingRules {
		if r.Re.MatchString(src) {
			return true, r.Why
		}
	}
	return false, "none of the rules matched"
}
