-- <service>_ports as lists of several ports, and an empty list that turns a service's ports off
modules_enabled = { "c2s", "s2s", "http" }
c2s_ports = { 5222, 5322, 5422 }
s2s_ports = { }
http_ports = { 5280, 5380 }
https_ports = { }

VirtualHost "example.com"
