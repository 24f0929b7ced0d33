-- One of several moonport instances behind examples/scale-out/haproxy.cfg.
-- Run as many as you like with this same file: they share port 7700
-- (echo) and port 7701 (the key-value service, mod_kv), and the kv data,
-- which lives in one PostgreSQL database: a key set through one instance
-- is read through any other, and survives them all.
plugin_paths = { "../modules" }          -- examples/modules, relative to this file
modules_enabled = { "echo", "kv" }
interfaces = { "127.0.0.1" }
run_as_root = true                      -- loopback only: a root demo may stay root
echo_ports = { 7700 }
echo_reuse_port = true                  -- several processes on one port
echo_proxy_protocol = true              -- the client's address comes from HAProxy
echo_proxy_trusted = { "127.0.0.1" }    -- and only from HAProxy
kv_ports = { 7701 }
kv_reuse_port = true
kv_proxy_protocol = true
kv_proxy_trusted = { "127.0.0.1" }

-- Shared state: every instance stores in the same PostgreSQL database
-- (Prosody's sql storage and its tables, made on first use). Point it at
-- your server; on Debian, as root, a local one is:
--   apt-get install postgresql
--   su postgres -c "createuser moonport && createdb -O moonport moonport && psql -c \"ALTER USER moonport PASSWORD 'moonport'\""
-- With PostgreSQL down or hung, a kv command answers "ERR storage: …"
-- after at most storage_timeout, and everything else keeps serving.
storage = "sql"
storage_timeout = 0.5                   -- seconds a store call waits for the database
sql = { driver = "PostgreSQL", database = "moonport", host = "127.0.0.1", port = 5432, username = "moonport", password = "moonport" }
-- Or the local socket, with peer authentication: moonport must run as the
-- system user of the database's user name (useradd --system moonport, and
-- prosody_user = "moonport" in this file):
-- sql = { driver = "PostgreSQL", database = "moonport", host = "/var/run/postgresql", username = "moonport" }
-- sql = { driver = "SQLite3", database = "moonport.sqlite" }  -- one machine only: a file in data_path
