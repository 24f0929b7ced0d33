-- Wildcard Include of conf.d/*.cfg.lua: every match is read, a dot file and a file that does not match are not
modules_enabled = { "c2s", "s2s", "http" }

Include "conf.d/*.cfg.lua"
