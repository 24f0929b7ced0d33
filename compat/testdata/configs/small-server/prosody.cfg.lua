-- A plain small server as its admin would write it: one VirtualHost, a MUC and a proxy65 component, log files per level, Prosody's defaults for every port
admins = { "admin@example.net" }

modules_enabled = {
	"roster"; "saslauth"; "tls"; "dialback"; "disco";
	"carbons"; "pep"; "private"; "blocklist"; "vcard4"; "vcard_legacy";
	"version"; "uptime"; "time"; "ping"; "register";
	"mam"; "smacks"; "csi_simple"; "posix";
}

allow_registration = false
c2s_require_encryption = true
s2s_secure_auth = false
authentication = "internal_hashed"
archive_expires_after = "1w"

log = {
	info = "/var/log/prosody/prosody.log";
	error = "/var/log/prosody/prosody.err";
}

certificates = "certs"

VirtualHost "example.net"

Component "conference.example.net" "muc"
	modules_enabled = { "muc_mam" }

Component "proxy.example.net" "proxy65"
	proxy65_address = "proxy.example.net"
