-- Addresses that are not on the machine (203.0.113.7, 2001:db8:1::7): Prosody logs each failed bind and binds the rest
modules_enabled = { "c2s", "s2s" }
interfaces = { "192.0.2.1", "203.0.113.7", "2001:db8::1", "2001:db8:1::7" }

VirtualHost "example.com"
