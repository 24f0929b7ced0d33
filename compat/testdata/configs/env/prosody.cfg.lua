-- ENV_ variables: a set one as a port (a string) and as an address, an unset one falling back with `or`
--! env COMPAT_C2S_PORT=5322
--! env COMPAT_BIND=192.0.2.1
modules_enabled = { "c2s", "s2s", "http" }
c2s_ports = { ENV_COMPAT_C2S_PORT }
s2s_ports = { ENV_COMPAT_S2S_PORT or 5369 }
interfaces = { ENV_COMPAT_BIND, ENV_COMPAT_BIND6 or "2001:db8::1" }
http_ports = { tonumber(ENV_COMPAT_HTTP_PORT) or 5380 }

VirtualHost "example.com"
