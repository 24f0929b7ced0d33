-- No modules_enabled at all: the autoloaded modules (c2s and s2s among them) still serve their ports
VirtualHost "example.com"
