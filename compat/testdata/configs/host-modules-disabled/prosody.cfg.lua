-- modules_disabled inside the only VirtualHost: c2s, autoloaded, is then loaded on no host at all, so its port stays closed
VirtualHost "example.com"
	modules_disabled = { "c2s" }
