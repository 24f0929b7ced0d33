-- Entries of a *_ports list that carry an address ("192.0.2.1:5222", "[2001:db8::1]:5222"): Prosody has no such syntax, logs them as invalid port numbers and binds the rest
modules_enabled = { "c2s", "s2s" }
c2s_ports = { "192.0.2.1:5222", "[2001:db8::1]:5222", 5322 }
s2s_ports = { "0.0.0.0:5269" }

VirtualHost "example.com"
