-- The configuration moonport serves when run with no --config and no
-- ./prosody.cfg.lua: the example echo and chat services, on loopback only.
-- Run from the file (--config examples/default.cfg.lua), the modules come
-- from examples/modules; embedded, from the copy in the binary.
plugin_paths = { "modules" }
modules_enabled = { "echo", "chat" }
interfaces = { "127.0.0.1", "::1" }
-- A demo that listens on loopback only may run as root (say, in a
-- container); a real config sets prosody_user instead.
run_as_root = true
