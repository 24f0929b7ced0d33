-- use_ipv6 = false: the defaults lose :: and ::1
modules_enabled = { "c2s", "s2s", "http", "admin_telnet" }
use_ipv6 = false

VirtualHost "example.com"
