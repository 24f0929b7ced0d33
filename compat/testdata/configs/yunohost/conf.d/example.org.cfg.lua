-- A second domain
VirtualHost "example.org"
	ssl = {
		key = "certs/example.org.key";
		certificate = "certs/example.org.crt";
	}
