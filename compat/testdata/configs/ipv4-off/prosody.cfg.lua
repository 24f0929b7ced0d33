-- use_ipv4 = false: the defaults lose * and 127.0.0.1, so public services bind :: and private ones ::1; an address given explicitly still binds
modules_enabled = { "c2s", "s2s", "http" }
use_ipv4 = false
c2s_interfaces = { "192.0.2.1" }

VirtualHost "example.com"
