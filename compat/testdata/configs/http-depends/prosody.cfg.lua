-- Two modules that depend on http from different hosts (bosh, websocket): mod_http is global, loaded once, its ports opened once
VirtualHost "example.com"
	modules_enabled = { "bosh" }

VirtualHost "example.org"
	modules_enabled = { "websocket" }
