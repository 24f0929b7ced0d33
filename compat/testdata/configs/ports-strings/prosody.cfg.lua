-- Ports written as strings go through Lua's tonumber: " 5322 " and "0x14cc" are ports, "1e4" (a float, 10000.0) and "five" are logged and skipped
modules_enabled = { "c2s", "s2s" }
c2s_ports = { " 5322 ", "0x14cc", "1e4", "five" }
s2s_ports = { "5369" }

VirtualHost "example.com"
