-- moonport's util.dependencies: Prosody's checks of the Lua libraries it
-- needs at startup. In moonport those are built in (util.encodings,
-- util.hashes, socket, lfs, …) or not needed (lxp: no XMPP streams), so
-- check_dependencies reports everything present and log_warnings has
-- nothing to say; softreq and missingdep work as Prosody's.
local pcall, require, ipairs, tostring = pcall, require, ipairs, tostring
local concat = table.concat
local log = require "util.logger".init("util.dependencies")

-- softreq is require that returns nil and the error instead of failing.
local function softreq(...)
	local ok, lib = pcall(require, ...)
	if ok then return lib end
	return nil, lib
end

-- missingdep logs, as one warning, that name is missing, where it can be
-- had ({ platform, how } rows) and what that means.
local function missingdep(name, sources, msg)
	local ways = {}
	for _, row in ipairs(sources or {}) do ways[#ways + 1] = tostring(row[1]) .. ": " .. tostring(row[2]) end
	log("warn", "Prosody was unable to find %s; it can be obtained by %s. %s", tostring(name),
		#ways > 0 and concat(ways, "; ") or "no known way",
		msg or (tostring(name) .. " is required for Prosody to run"))
end

return {
	softreq = softreq,
	missingdep = missingdep,
	check_dependencies = function() return true end,
	log_warnings = function() end,
}
