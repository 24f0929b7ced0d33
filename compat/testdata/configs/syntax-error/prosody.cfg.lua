-- A config that is not valid Lua: both refuse to start
modules_enabled = { "c2s", "s2s"

VirtualHost "example.com"
