-- The only VirtualHost has enabled = false: it does not count, so Prosody refuses to start
modules_enabled = { "c2s", "s2s" }

VirtualHost "example.com"
	enabled = false
