-- modules_disabled in the global section takes an autoloaded module (s2s) and an enabled one (http) away
modules_enabled = { "c2s", "http", "admin_telnet" }
modules_disabled = { "s2s", "http" }

VirtualHost "example.com"
