-- <service>_ports given as one number or one string rather than a list
modules_enabled = { "c2s", "s2s", "http" }
c2s_ports = 5322
s2s_ports = "5369"
http_ports = 5380

VirtualHost "example.com"
