package ports

// Encryption is how a service's connections are encrypted, as its module
// declares with encryption = "…" (a named listener's tls table can change
// it for that listener).
type Encryption int

const (
	// Unencrypted connections stay plain (encryption unset or "none").
	Unencrypted Encryption = iota
	// DirectTLS connections speak TLS from the first byte (encryption = "ssl").
	DirectTLS
	// StartTLS connections start plain and may upgrade with conn:starttls()
	// (encryption = "starttls").
	StartTLS
)

// ParseEncryption reads a module's encryption field: "ssl", "starttls",
// "none" or "".
func ParseEncryption(s string) (Encryption, bool) {
	switch s {
	case "ssl":
		return DirectTLS, true
	case "starttls":
		return StartTLS, true
	case "none", "":
		return Unencrypted, true
	}
	return Unencrypted, false
}

// String is how listings show the encryption: "direct TLS", "STARTTLS" or
// "none".
func (e Encryption) String() string {
	switch e {
	case DirectTLS:
		return "direct TLS"
	case StartTLS:
		return "STARTTLS"
	}
	return "none"
}

// Transport is the protocol a service's sockets speak.
type Transport int

const (
	// TCP is the default: connections (transport unset or "tcp").
	TCP Transport = iota
	// UDP is datagrams, handed to the module one by one (transport = "udp").
	UDP
)

// ParseTransport reads a module's transport field: "tcp" or "udp".
func ParseTransport(s string) (Transport, bool) {
	switch s {
	case "tcp":
		return TCP, true
	case "udp":
		return UDP, true
	}
	return TCP, false
}

// String is the field's word: "tcp" or "udp".
func (t Transport) String() string {
	if t == UDP {
		return "udp"
	}
	return "tcp"
}

// Serve is what runs a service's connections.
type Serve int

const (
	// ServeCallbacks runs the module's listener callbacks (serve unset).
	ServeCallbacks Serve = iota
	// ServeHTTP gives the connections to net/http, which routes requests
	// to what modules provide with module:provides("http", …)
	// (serve = "http", as mod_http's services declare).
	ServeHTTP
)

// ParseServe reads a module's serve field: "http", or "" when unset.
func ParseServe(s string) (Serve, bool) {
	switch s {
	case "http":
		return ServeHTTP, true
	case "":
		return ServeCallbacks, true
	}
	return ServeCallbacks, false
}

// String is the field's word: "http", or "callbacks" when unset.
func (s Serve) String() string {
	if s == ServeHTTP {
		return "http"
	}
	return "callbacks"
}
