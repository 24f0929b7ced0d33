-- The main domain, as YunoHost writes one file per domain
VirtualHost "example.com"
	ssl = {
		key = "certs/example.com.key";
		certificate = "certs/example.com.crt";
	}
	authentication = "internal_hashed"

Component "muc.example.com" "muc"
	name = "example.com Chatrooms"
	modules_enabled = {
		"muc_limits";
		"muc_log";
		"muc_mam";
		"vcard_muc";
	}
	muc_log_by_default = true
	muc_log_expires_after = "1y"

Component "xmpp-upload.example.com" "http_upload"
	http_upload_file_size_limit = 100 * 1024 * 1024
