-- One port on "*" and on "0.0.0.0", "::" and "::0": different words for the same address, so the second bind of each fails in the kernel
modules_enabled = { "c2s", "s2s" }
c2s_interfaces = { "*", "::" }
s2s_interfaces = { "0.0.0.0", "::0" }
s2s_ports = { 5222 }

VirtualHost "example.com"
