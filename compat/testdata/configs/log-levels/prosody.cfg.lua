-- log as a table of levels to files (info and up to one file, errors to another) and an unknown option or two: Prosody starts
modules_enabled = { "c2s", "s2s" }
log = {
	info = "/var/log/prosody/compat.log";
	error = "/var/log/prosody/compat.err";
}
some_option_nobody_reads = true

VirtualHost "example.com"
