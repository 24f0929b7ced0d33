-- A Component inherits s2s (one of the global modules a component takes), so s2s serves even though the only VirtualHost disables it; c2s, which components do not inherit, stays closed when that host disables it too
VirtualHost "example.com"
	modules_disabled = { "c2s", "s2s" }

Component "rooms.example.com" "muc"
