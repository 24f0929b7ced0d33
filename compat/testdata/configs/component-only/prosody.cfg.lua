-- Only a Component, no VirtualHost: Prosody refuses to start ("At least one active host is required")
Component "rooms.example.com" "muc"
