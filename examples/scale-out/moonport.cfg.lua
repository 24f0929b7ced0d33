-- One of several moonport instances behind examples/scale-out/haproxy.cfg.
-- Run as many as you like with this same file: they share port 7700.
plugin_paths = { "../modules" }          -- examples/modules, relative to this file
modules_enabled = { "echo" }
interfaces = { "127.0.0.1" }
run_as_root = true                      -- loopback only: a root demo may stay root
echo_ports = { 7700 }
echo_reuse_port = true                  -- several processes on one port
echo_proxy_protocol = true              -- the client's address comes from HAProxy
echo_proxy_trusted = { "127.0.0.1" }    -- and only from HAProxy
