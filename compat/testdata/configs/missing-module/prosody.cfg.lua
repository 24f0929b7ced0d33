-- A module that is on no plugin path, globally and in a VirtualHost: Prosody logs an error naming it and carries on
modules_enabled = { "roster", "no_such_module", "http" }

VirtualHost "example.com"
	modules_enabled = { "another_missing_module" }
