-- A NixOS-generated config (services.prosody): absolute paths, log to syslog, the module list NixOS writes, http and https on every interface, a MUC and an upload component

pidfile = "/run/prosody/prosody.pid"

log = "*syslog"

data_path = "/var/lib/prosody"
plugin_paths = {  }

admins = {  }

modules_enabled = {

  -- required for compliance with https://compliance.conversations.im/about/
  "roster";
  "saslauth";
  "tls";
  "dialback";
  "disco";
  "carbons";
  "pep";
  "private";
  "blocklist";
  "vcard";
  "smacks";
  "mam";
  "csi_simple";
  "cloud_notify";
  "bookmarks";
  "server_contact_info";
  "version";
  "uptime";
  "time";
  "ping";
  "register";
  "admin_adhoc";
  "posix";
  "http_file_share";

};

disco_items = {

}

allow_registration = false

c2s_require_encryption = true

s2s_require_encryption = true

s2s_secure_auth = false

s2s_insecure_domains = {  }

s2s_secure_domains = {  }

authentication = "internal_hashed"

http_interfaces = { "*", "::" }

https_interfaces = { "*", "::" }

http_ports = { 5280 }

https_ports = { 5281 }

contact_info = {
  abuse = { "mailto:abuse@example.org" };
  admin = { "mailto:admin@example.org" };
};

VirtualHost "example.org"
  enabled = true;
  ssl = {
    cert = "certs/example.org.crt";
    key = "certs/example.org.key";
  };

Component "conference.example.org" "muc"
  modules_enabled = { "muc_mam" }
  name = "Chatrooms"
  restrict_room_creation = false
  max_history_messages = 20
  muc_room_locking = false
  muc_room_lock_timeout = 300
  muc_tombstones = true
  muc_tombstone_expiry = 2678400
  muc_room_default_public = true
  muc_room_default_members_only = false
  muc_room_default_moderated = false
  muc_room_default_public_jids = false
  muc_room_default_change_subject = false
  muc_room_default_history_length = 20
  muc_room_default_language = "en"

Component "upload.example.org" "http_file_share"
  http_file_share_size_limit = 50 * 1024 * 1024
