-- A key-value service keeping its data in a store (README, "Example
-- modules"; examples/modules/mod_kv.lua):
--   moonport run --config examples/kv.cfg.lua
--   nc 127.0.0.1 7011     then type: SET colour blue · GET colour · KEYS · DEL colour · QUIT
-- Stop moonport and start it again: the keys are still there, in
-- examples/data/%2a/kv.dat (Prosody's data file layout: host "*", the
-- global module's, store "kv").
plugin_paths = { "modules" }            -- examples/modules, relative to this file
modules_enabled = { "kv" }
interfaces = { "127.0.0.1" }
run_as_root = true                      -- loopback only: a root demo may stay root
data_path = "data"                      -- relative to this file; made when missing
storage = "internal"                    -- the default: files; "sql" shares them (see examples/scale-out/)
kv_store = "kv"                         -- the store's name (the default)
