-- Stub of Prosody 0.12.3's mod_component (external components, XEP-0114)
-- for the differential suite: its private net service and nothing else.
module:set_global();

module:provides("net", {
	name = "component";
	private = true;
	listener = {};
	default_port = 5347;
	multiplex = { pattern = "^<.*:stream.*%sxmlns%s*=%s*(['\"])jabber:component:accept%1.*>" };
});
