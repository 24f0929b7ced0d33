-- HTTP on every address
http_interfaces = { "*", "::" }

VirtualHost "example.com"
