-- A Snikket-style server: the domain from ENV_SNIKKET_DOMAIN, direct TLS, HTTP on an ENV_-chosen port, BOSH and websocket, MUC, file share and proxy65 components, community modules that are not installed
--! env SNIKKET_DOMAIN=example.com
--! env SNIKKET_TWEAK_INTERNAL_HTTP_INTERFACE=*
local DOMAIN = assert(ENV_SNIKKET_DOMAIN, "Please set the SNIKKET_DOMAIN environment variable")

local RETENTION_DAYS = tonumber(ENV_SNIKKET_RETENTION_DAYS) or 7;
local UPLOAD_STORAGE_GB = tonumber(ENV_SNIKKET_UPLOAD_STORAGE_GB);

network_default_read_size = 66560

admins = { }
pidfile = "/run/prosody/prosody.pid"
data_path = "/var/lib/prosody"

modules_enabled = {
	-- Generally required
		"roster";
		"saslauth";
		"tls";
		"dialback";
		"disco";
		"posix";

	-- Not essential, but recommended
		"carbons";
		"pep";
		"private";
		"blocklist";
		"vcard4";
		"vcard_legacy";
		"limits";

	-- Nice to have
		"version";
		"uptime";
		"time";
		"ping";
		"register";
		"admin_adhoc";
		"admin_shell";

	-- HTTP modules
		"bosh";
		"websocket";
		"http_altconnect";

	-- Other specific functionality
		"smacks";
		"mam";
		"csi_simple";
		"invites";
		"invites_adhoc";
		"invites_register";
		"turn_external";
		"cloud_notify";
		"update_check";
		"firewall";
		"lastlog2";
}

registration_watchers = {}
registration_invite_only = true
allow_contact_invites = true

c2s_require_encryption = true
s2s_require_encryption = true
s2s_secure_auth = true

archive_expires_after = ("%dd"):format(RETENTION_DAYS)

-- Snikket's HTTP sits behind its web proxy; the tweak variables move it
http_ports = { ENV_SNIKKET_TWEAK_INTERNAL_HTTP_PORT or 5280 }
http_interfaces = { ENV_SNIKKET_TWEAK_INTERNAL_HTTP_INTERFACE or "127.0.0.1" }
https_ports = {}
c2s_direct_tls_ports = { 5223 }

http_max_content_size = 1024 * 1024 * 100

authentication = "internal_hashed"
storage = "internal"

log = {
	[ENV_SNIKKET_LOGLEVEL or "info"] = "*console";
}

certificates = "certs"

VirtualHost (DOMAIN)
	authentication = "internal_hashed"
	http_host = DOMAIN
	http_external_url = "https://"..DOMAIN.."/"

Component ("groups."..DOMAIN) "muc"
	modules_enabled = {
		"muc_mam";
		"muc_local_only";
		"vcard_muc";
		"muc_defaults";
	}
	restrict_room_creation = "local"
	muc_room_default_public = false

Component ("share."..DOMAIN) "http_file_share"
	http_file_share_size_limit = 1024 * 1024 * 100
	http_file_share_global_quota = UPLOAD_STORAGE_GB and UPLOAD_STORAGE_GB * 1024 * 1024 * 1024 or nil
	http_host = DOMAIN

Component ("proxy."..DOMAIN) "proxy65"
	proxy65_address = DOMAIN
