-- The pre-0.9 singular names Prosody still reads: c2s_interface and interface
modules_enabled = { "c2s", "s2s" }
interface = "198.51.100.1"
c2s_interface = "192.0.2.1"

VirtualHost "example.com"
