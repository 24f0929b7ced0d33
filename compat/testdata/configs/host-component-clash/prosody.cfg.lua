-- A VirtualHost and a Component of the same name: a config error, both refuse to start
modules_enabled = { "c2s", "s2s" }

VirtualHost "example.com"

Component "example.com" "muc"
