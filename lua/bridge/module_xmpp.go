package bridge

import (
	"fmt"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// moonport is not an XMPP server. A Prosody config names many modules
// that only make sense inside one (rosters, MUC, storage, …); when such a
// module does not load, that is expected, not an error: startup names
// them in one info line. A module is XMPP-only when its name is one of
// xmppModules, or when it failed after asking for XMPP machinery: one of
// xmppLibraries with require, or one of xmppMethods of the module object.
// A module that loads runs, whatever its name (the stubs of the compat
// suite are named c2s, s2s, …).

// xmppModules are the modules Prosody 0.12 ships that need its XMPP
// server, plus the folders "muc", "pubsub" and "mam". Not here: what
// moonport has or could run (http, net_multiplex, admin_telnet,
// http_files, posix).
var xmppModules = setOfNames(`
	admin_adhoc admin_shell admin_socket announce auth_anonymous auth_insecure
	auth_internal_hashed auth_internal_plain auth_ldap authz_internal blocklist
	bookmarks bosh c2s carbons component csi csi_simple debug_sql dialback
	disco external_services groups http_errors http_file_share http_openmetrics
	invites invites_adhoc invites_register iq lastactivity legacyauth limits mam
	message motd muc muc_mam muc_unique offline pep pep_plus pep_simple
	ping presence private proxy65 pubsub register register_ibr
	register_limits roster s2s s2s_auth_certs s2s_bidi saslauth scansion_record
	server_contact_info smacks stanza_debug storage_internal storage_memory
	storage_none storage_sql storage_xep0227 time tls tokenauth tombstones
	turn_external unknown uptime user_account_management vcard vcard4
	vcard_legacy version watchregistrations websocket welcome windows`)

// xmppLibraries are Prosody libraries that only exist for its XMPP server;
// so does every core.* name moonport does not provide (those it provides,
// such as core.portmanager, are found before this is asked). LuaExpat
// (lxp, lxp.lom) is the XML parser under Prosody's streams and stanzas:
// a module that wants it reads stanzas (mod_muc_log_http the logged
// ones of mod_muc's rooms, which it lists from mod_muc itself).
var xmppLibraries = setOfNames(`
	util.jid util.xmppstream util.sasl util.dataforms util.xml
	util.caps util.adhoc util.vcard util.presence util.rsm util.pubsub
	util.datamanager util.session util.smqueue lxp lxp.lom`)

// xmppMethods are module methods of Prosody's moduleapi that act on
// stanzas or users: calling one means the module needs an XMPP server.
// (module:open_store is provided; asking it for an archive store counts
// as XMPP-only, module_store.go.) Declarations that merely advertise (add_feature, add_identity,
// add_extension) are accepted and do nothing (module_declare.go), so a
// module that only declares features loads.
var xmppMethods = map[string]string{
	"hook_tag": "XMPP stanza routing", "hook_stanza": "XMPP stanza routing",
	"send": "XMPP stanza routing", "send_iq": "XMPP stanza routing", "broadcast": "XMPP stanza routing",
	"has_feature": "XMPP service discovery", "has_identity": "XMPP service discovery",
	"may": "XMPP permissions",
}

func setOfNames(list string) map[string]bool {
	out := map[string]bool{}
	for _, n := range strings.Fields(list) {
		out[n] = true
	}
	return out
}

// isXMPPLibrary reports whether require(name), a name that is not built
// in, asks for XMPP machinery.
func isXMPPLibrary(name string) bool {
	return xmppLibraries[name] || strings.HasPrefix(name, "core.")
}

// missingMethod is the module object's fallback for a method moonport
// does not have. Indexing gives nil, as in Prosody (modules test
// `if module.hook_global then`), so a call fails in the VM; the lookup is
// noted by code position, and explainMissing turns that failure into one
// naming the method. An XMPP one is noted on the instance too (so its
// failure counts as XMPP-only).
func missingMethod(L *lua.LState) int {
	name := L.CheckString(2)
	inst := instanceOf(L)
	if where := L.Where(1); where != "" {
		if inst.missing == nil {
			inst.missing = map[string]string{}
		}
		inst.missing[where] = name
	}
	if _, ok := xmppMethods[name]; ok && inst.needsXMPP == "" {
		inst.needsXMPP = "module:" + name + "()"
	}
	L.Push(lua.LNil)
	return 1
}

// callOfNil is the VM's message for calling nil, after "file:line:".
const callOfNil = " attempt to call a non-function object"

// explainMissing rewrites the VM's error for calling a method the module
// object does not have into one that names it, where it was called.
func (inst *Instance) explainMissing(msg string) string {
	for where, name := range inst.missing {
		if !strings.Contains(msg, where+callOfNil) {
			continue
		}
		what := "is not provided by moonport"
		if reason, ok := xmppMethods[name]; ok {
			what += " (" + reason + ")"
		}
		at := strings.TrimSuffix(where, ":")
		msg = strings.Replace(msg, where+callOfNil, fmt.Sprintf("module:%s() %s at %s", name, what, at), 1)
	}
	return msg
}
