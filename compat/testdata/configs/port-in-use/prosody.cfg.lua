-- Ports another program holds already (the runner listens on 0.0.0.0:5269 and 127.0.0.1:5280 first): those binds fail and are logged, the rest bind
--! occupy tcp 0.0.0.0 5269
--! occupy tcp 127.0.0.1 5280
modules_enabled = { "c2s", "s2s", "http" }

VirtualHost "example.com"
