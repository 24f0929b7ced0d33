-- A dot file the wildcard Include skips: it would clash with the VirtualHost of example.com
Component "example.com" "muc"
