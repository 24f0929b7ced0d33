-- A Jitsi Meet docker-style config: domains, ports and switches from ENV_ variables, BOSH and websocket, HTTP on every interface, an external component port, MUC and Jitsi's own (not installed) components and auth provider
--! env XMPP_DOMAIN=meet.example.com
--! env XMPP_AUTH_DOMAIN=auth.meet.example.com
--! env XMPP_MUC_DOMAIN=muc.meet.example.com
--! env XMPP_INTERNAL_MUC_DOMAIN=internal-muc.meet.example.com
--! env XMPP_PORT=5222
--! env XMPP_BOSH_URL_BASE=http://xmpp.meet.example.com:5280
--! env ENABLE_XMPP_WEBSOCKET=1
--! env PROSODY_HTTP_PORT=5280
--! env PROSODY_COMPONENT_PORT=5347
local XMPP_DOMAIN = ENV_XMPP_DOMAIN or "meet.jitsi"
local XMPP_AUTH_DOMAIN = ENV_XMPP_AUTH_DOMAIN or "auth.meet.jitsi"
local XMPP_MUC_DOMAIN = ENV_XMPP_MUC_DOMAIN or "muc.meet.jitsi"
local XMPP_INTERNAL_MUC_DOMAIN = ENV_XMPP_INTERNAL_MUC_DOMAIN or "internal-muc.meet.jitsi"
local ENABLE_XMPP_WEBSOCKET = ENV_ENABLE_XMPP_WEBSOCKET == "1"

admins = {
	"focus@"..XMPP_AUTH_DOMAIN,
	"jvb@"..XMPP_AUTH_DOMAIN,
}

unlimited_jids = {
	"focus@"..XMPP_AUTH_DOMAIN,
	"jvb@"..XMPP_AUTH_DOMAIN,
}

plugin_paths = { "/prosody-plugins/", "/prosody-plugins-custom" }

modules_enabled = {
	"roster";
	"saslauth";
	"tls";
	"disco";
	"posix";
	"ping";
	"limits";
	"bosh";
	ENABLE_XMPP_WEBSOCKET and "websocket" or nil;
	"smacks";
}

c2s_ports = { ENV_XMPP_PORT or 5222 }
c2s_interfaces = { "*", "::" }
s2s_ports = { }

http_ports = { ENV_PROSODY_HTTP_PORT or 5280 }
http_interfaces = { "*", "::" }
https_ports = { }

component_ports = { ENV_PROSODY_COMPONENT_PORT or 5347 }
component_interfaces = { "*" }

consider_bosh_secure = true
consider_websocket_secure = true
cross_domain_websocket = true
cross_domain_bosh = false

limits = {
	c2s = { rate = "512kb/s" };
}

log = {
	{ levels = { min = ENV_LOG_LEVEL or "info" }, to = "console" };
}

VirtualHost (XMPP_DOMAIN)
	authentication = "jitsi-anonymous"
	ssl = {
		key = "certs/example.com.key";
		certificate = "certs/example.com.crt";
	}
	modules_enabled = {
		"bosh";
		"pubsub";
		"ping";
		"speakerstats";
		"conference_duration";
		"muc_lobby_rooms";
	}
	c2s_require_encryption = false
	speakerstats_component = "speakerstats."..XMPP_DOMAIN
	main_muc = XMPP_MUC_DOMAIN

VirtualHost (XMPP_AUTH_DOMAIN)
	ssl = {
		key = "certs/example.com.key";
		certificate = "certs/example.com.crt";
	}
	authentication = "internal_hashed"

Component (XMPP_INTERNAL_MUC_DOMAIN) "muc"
	storage = "memory"
	modules_enabled = { "ping" }
	restrict_room_creation = true
	muc_room_locking = false
	muc_room_default_public_jids = true

Component (XMPP_MUC_DOMAIN) "muc"
	storage = "memory"
	modules_enabled = { "muc_meeting_id", "polls", "muc_domain_mapper" }
	muc_room_cache_size = 1000
	muc_room_locking = false
	muc_room_default_public_jids = true

Component ("focus."..XMPP_DOMAIN) "client_proxy"
	target_address = "focus@"..XMPP_AUTH_DOMAIN

Component ("speakerstats."..XMPP_DOMAIN) "speakerstats_component"
	muc_component = XMPP_MUC_DOMAIN

Component ("jvb."..XMPP_DOMAIN)
	component_secret = ENV_JVB_COMPONENT_SECRET or "s3cr3t"
