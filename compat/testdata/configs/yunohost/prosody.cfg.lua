-- A YunoHost-style setup: global settings in the main file, one file per domain in conf.d through a wildcard Include (a dot file and a non-matching file beside them), HTTP only on loopback on a moved port
admins = { }

modules_enabled = {
	-- Generally required
		"roster"; -- Allow users to have a roster. Recommended ;)
		"saslauth"; -- Authentication for clients and servers. Recommended if you want to log in.
		"tls"; -- Add support for secure TLS on c2s/s2s connections
		"dialback"; -- s2s dialback support
		"disco"; -- Service discovery

	-- Not essential, but recommended
		"private"; -- Private XML storage (for room bookmarks, etc.)
		"vcard_legacy"; -- Conversion between legacy vCard and PEP Avatar, vcard
		"pep"; -- Enables users to publish their mood, activity, playing music and more
		"carbons"; -- XEP-0280: Message Carbons, synchronize messages accross devices
		"smacks"; -- XEP-0198: Stream Management
		"mam"; -- XEP-0313: Message Archive Management
		"blocklist"; -- XEP-0191: blocking of users

	-- Nice to have
		"version"; -- Replies to server version requests
		"uptime"; -- Report how long server has been running
		"time"; -- Let others know the time here on this server
		"ping"; -- Replies to XMPP pings with pongs
		"register"; -- Allow users to register on this server using a client and change passwords

	-- HTTP modules
		"bosh"; -- Enable BOSH clients, aka "Jabber over HTTP"
		"http_upload"; -- not shipped with Prosody 0.12

	-- Other specific functionality
		"posix"; -- POSIX functionality, sends server to background, enables syslog, etc.
		"ldap"; -- not shipped with Prosody 0.12
}

allow_registration = false

-- Discovery items
disco_items = {
	{ "muc.example.com" },
	{ "xmpp-upload.example.com" },
}

c2s_require_encryption = true
s2s_require_encryption = true
s2s_secure_auth = false

authentication = "internal_hashed"

-- BOSH for the web client, behind nginx
http_ports = { 5290 }
http_interfaces = { "127.0.0.1", "::1" }
https_ports = { }

log = {
	info = "/var/log/prosody/prosody.log";
	error = "/var/log/prosody/prosody.err";
}

Include "conf.d/*.cfg.lua"
