-- An example moonport configuration. It is a Prosody config file: Lua,
-- evaluated in a sandbox, with Prosody's option names and semantics.
-- Check it with:   moonport check config --config examples/prosody.cfg.lua
-- See the binds:   moonport ports --config examples/prosody.cfg.lua

---------- Global section ----------
-- Options before the first VirtualHost or Component apply to the whole
-- server. Network options (interfaces, *_ports, …) only work here.

-- Where modules are looked up, besides this file's folder and the modules
-- shipped with moonport. Relative paths are relative to this file.
plugin_paths = { "modules" }

-- Modules loaded once, on the global host "*".
modules_enabled = {
	"echo";     -- echoes every chunk back (port 7007)
	"chat";     -- a line-based chat room (port 7008)
	"forward";  -- relays each connection to forward_upstream (port 7009)
}
-- Take a module out without editing the list above.
modules_disabled = { }

-- Every public service listens on these addresses. "*" is every IPv4
-- address and "::" every IPv6 address (default: both).
interfaces = { "127.0.0.1", "::1" }

-- Private services (an admin console, components) listen here instead
-- (default: 127.0.0.1 and ::1).
local_interfaces = { "127.0.0.1", "::1" }

-- Turn an address family off for the defaults above.
-- use_ipv4 = true
-- use_ipv6 = true

-- Per service: <service>_ports and <service>_interfaces override the
-- module's default port and the interfaces above. A single value works
-- where a list is expected. Entries of *_ports may also be bind strings:
--   5060                   the port on every interface
--   "192.0.2.1:5060"        that address only
--   "[2001:db8::4]:5060"    that IPv6 address only
--   "0.0.0.0:5060"          every IPv4 address only
--   "[::]:5060"             every IPv6 address only
echo_ports = { 7007, "127.0.0.1:7017" }
chat_interfaces = { "127.0.0.1" }

-- Named listeners: extra listeners of a service, each with its own
-- address list and network settings (Stalwart's model).
listeners = {
	echo_slow = {
		service = "echo";
		bind = { "127.0.0.1:7027" };
		read_timeout = 60;            -- any network_settings name
	};
}

-- The forward module's upstream.
forward_upstream = "127.0.0.1:7007"

-- Started as root (to bind ports below 1024), moonport becomes this user
-- and group once the ports are bound, keeping only the right to bind low
-- ports for reloads. As root without prosody_user it becomes the user
-- "prosody" if there is one, as Prosody does, else it refuses to run,
-- unless run_as_root = true.
-- prosody_user = "moonport"
-- prosody_group = "moonport"
-- This example listens on loopback only, so it may run as root (say, in a
-- container); a real config sets prosody_user instead.
run_as_root = true

-- Make any port that cannot be opened fatal at startup (exit code 3),
-- instead of logging it and serving the rest.
strict_binding = false

-- Low-level settings for every connection (Prosody's names and defaults).
network_settings = {
	read_timeout = 840;             -- seconds of silence before onreadtimeout / close
	send_timeout = 180;             -- seconds queued data may wait for the peer
	max_send_buffer_size = 10485760; -- bytes queued before a connection is cut
	tcp_backlog = 128;              -- pending connections the kernel holds
	read_size = 8192;               -- bytes read at a time
	ssl_handshake_timeout = 60;     -- seconds for a TLS handshake
	tcp_keepalive = false;          -- true, false or seconds between probes
	nagle = true;                   -- false sets TCP_NODELAY
	shutdown_deadline = 5;          -- seconds connections get to close on shutdown
	connect_timeout = 20;           -- seconds for outgoing connections
}

-- Logging: a level ("info"), a file name, "*console", "*syslog", a
-- level = destination table, or sink tables like the ones below.
log = {
	{ levels = { min = "info" }, to = "console" };
	-- { levels = { min = "debug" }, to = "file", filename = "moonport.log", format = "json" };
	-- error = "moonport.err";
}

-- Values can come from the environment (ENV_NAME) or from files
-- relative to this one:
-- secret = ENV_MOONPORT_SECRET
-- motd = FileContents "motd.txt"      -- whole file
-- token = FileLine "token.txt"        -- first line
-- peers = FileLines "peers.txt"       -- every non-empty line, as a list
-- Include "conf.d/*.cfg.lua"          -- more config, relative to this file

---------- Hosts ----------
-- Options below a VirtualHost apply to that host and fall back to the
-- global ones. Modules listed in a host's own modules_enabled load there
-- (as in Prosody, a host also asks for the global modules and the
-- autoloaded XMPP ones, c2s and s2s among them; moonport runs those it
-- finds). With host sections, one enabled VirtualHost is required.
VirtualHost "example.com"
	-- ssl = { certificate = "certs/example.com.crt", key = "certs/example.com.key" }  -- its certificate, for SNI

-- A Component runs one module on its own host name.
-- Component "rooms.example.com" "chat"
