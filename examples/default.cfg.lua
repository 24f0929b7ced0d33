-- The configuration moonport serves when run with no --config and no
-- ./prosody.cfg.lua: the example echo and chat services, on loopback only.
modules_enabled = { "echo", "chat" }
interfaces = { "127.0.0.1", "::1" }
