-- Debian's stock /etc/prosody/prosody.cfg.lua as the prosody package installs it (its conf.d too); skipped where it is not installed
--! needs /etc/prosody/prosody.cfg.lua
Include "/etc/prosody/prosody.cfg.lua"
