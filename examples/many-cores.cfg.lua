-- A rate limiter served by a copy of its module per CPU, the counts shared
-- by every copy (README, "Many cores"):
--   moonport run --config examples/many-cores.cfg.lua
--   nc 127.0.0.1 7010     then type lines: "ok 1", "ok 2", … "limited, retry in 57 s"
plugin_paths = { "modules" }            -- examples/modules, relative to this file
modules_enabled = { "rate_limit" }      -- mod_rate_limit.lua: module:set_workers("auto")
interfaces = { "127.0.0.1" }
run_as_root = true                      -- loopback only: a root demo may stay root
rate_limit_max = 5                      -- lines per client address …
rate_limit_window = 60                  -- … per minute, across every copy
shared_dicts = { rate_limit = "1M" }    -- the counts' cap (least recently used go first)
-- rate_limit_workers = 1               -- the operator may override the module's set_workers
