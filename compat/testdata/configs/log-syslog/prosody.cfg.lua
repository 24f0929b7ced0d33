-- log = "*syslog" where no syslog daemon listens (no /dev/log in the runner's namespaces): Prosody starts anyway
modules_enabled = { "c2s", "s2s" }
log = "*syslog"

VirtualHost "example.com"
