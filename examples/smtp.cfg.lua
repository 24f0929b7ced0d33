-- An SMTP sink with Stalwart's three listeners: plain SMTP offering
-- STARTTLS, submission (STARTTLS), and submissions with implicit TLS.
--
-- Make a certificate first (or point ssl at real ones):
--   mkdir -p examples/certs && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
--     -nodes -days 30 -subj /CN=localhost -addext subjectAltName=DNS:localhost \
--     -keyout examples/certs/localhost.key -out examples/certs/localhost.crt && chmod 600 examples/certs/localhost.key
-- Then: moonport run --config examples/smtp.cfg.lua
--       swaks --to you@localhost --server 127.0.0.1:2525 --tls

-- The example modules, in examples/modules (relative to this file).
plugin_paths = { "modules" }
modules_enabled = { "smtp_sink" }
smtp_sink_dir = "/tmp"
-- smtp_sink_store = "mail"    -- or keep messages in an archive store (where storage says) instead of files

interfaces = { "127.0.0.1" }
-- A demo that listens on loopback only may run as root (say, in a
-- container); a real config sets prosody_user instead.
run_as_root = true

-- The default certificate of every TLS listener (paths relative to this file).
ssl = {
	certificate = "certs/localhost.crt";
	key = "certs/localhost.key";
	protocol = "tlsv1_2+";     -- TLS 1.2 and 1.3 (the default)
}

smtp_ports = { 2525 }          -- the "smtp" listener: plain, STARTTLS offered

listeners = {
	submission = {
		service = "smtp";
		bind = { "127.0.0.1:5870" };  -- STARTTLS, like port 587
	};
	submissions = {
		service = "smtp";
		bind = { "127.0.0.1:4650" };  -- implicit TLS, like port 465
		tls = {
			implicit = true;
			min_protocol = "tlsv1_3";
			alpn = { "smtp" };
		};
	};
}
