-- mucd-import.lua: the rooms of a Prosody MUC service, from Prosody's file
-- storage, as mucd's rooms document ("mucd-rooms/1", mucctl(8)).
--
-- `mucctl import prosody` runs it with the Lua interpreter that Prosody's
-- launcher names and reads its output; by hand:
--
--	lua5.4 mucd-import.lua --prosody /usr/bin/prosody \
--	    [--data DIR] [--host HOST]
--
-- It reads nothing itself: Prosody's own libraries do, util.datamanager
-- (what Prosody's file storage, mod_storage_internal, is built on) for the
-- data and util.json for the output, found where Prosody's launcher finds
-- them. The launcher sets package.path and package.cpath to its libraries
-- before it requires anything, so it is run up to its first require.
--
-- What Prosody 0.12's MUC (modules/muc/mod_muc.lua, muc.lib.lua) keeps,
-- per MUC host, under the data directory:
--	<host>/persistent.dat	the rooms to restore: { [room JID] = true }
--	<host>/config/<node>.dat  a room frozen by room_mt:freeze(): _jid,
--		_data (its settings and subject), _affiliation_data (per JID,
--		reserved_nickname) and one [bare JID] = affiliation entry per
--		affiliation; the old format (new_muc_storage_format = false)
--		has jid and _affiliations instead.
-- Prosody also saves temporary rooms, with their occupants, when it
-- pushes them out of memory (muc_room_cache_size) or unloads mod_muc,
-- to bring them back; those, and the tombstones of destroyed rooms
-- (_data.destroyed), are left out with a warning.
--
-- Output, on stdout, one JSON object per line:
--	{"warning": TEXT}	zero or more: something is left out
--	then exactly one of
--	{"document": {"format": "mucd-rooms/1", "rooms": [...]}}
--	{"error": {"code": CODE, "message": TEXT}}   (exit status 1)
-- CODE is a control protocol error code (common/ctlproto.h), so mucctl
-- exits as for any other error of its class. Only when Prosody's
-- libraries cannot be loaded is there no JSON: a line on stderr, exit
-- status 3 (mucctl reads stderr too). Lines are written whole, as they
-- come, so that the two cannot cut into each other.

local usage = "usage: mucd-import.lua --prosody LAUNCHER [--data DIR] "
	.. "[--host HOST]"

local function parse_args(argv)
	local opts, i = {}, 1
	while i <= #argv do
		local name = argv[i]:match("^%-%-(%a+)$")
		if (name ~= "prosody" and name ~= "data" and name ~= "host")
		    or argv[i + 1] == nil or opts[name] ~= nil then
			io.stderr:write(usage, "\n")
			os.exit(2)
		end
		opts[name] = argv[i + 1]
		i = i + 2
	end
	if opts.prosody == nil then
		io.stderr:write(usage, "\n")
		os.exit(2)
	end
	return opts
end

local function die_early(fmt, ...)
	-- The first line only: require's error goes on to list every path.
	local line = fmt:format(...):match("^[^\n]*"):gsub(":$", "")
	io.stderr:write("mucd-import: ", line, "\n")
	os.exit(3)
end

-- Run the launcher up to its first require (util.startup), which comes
-- right after it has set the library paths; its CFG_DATADIR is
-- Prosody's default data directory.
local function load_launcher(launcher)
	local stop = {}
	local env = setmetatable({
		require = function () error(stop, 0) end,
	}, { __index = _G })
	local chunk, err = loadfile(launcher, "t", env)
	if chunk == nil then
		die_early("cannot load Prosody's launcher: %s", err)
	end
	local ok, why = pcall(chunk)
	if ok or why ~= stop then
		die_early("%s is not Prosody's launcher (it did not load "
		    .. "util.startup: %s)", launcher,
		    ok and "it returned" or tostring(why))
	end
	return env.CFG_DATADIR
end

io.stdout:setvbuf("line")
local opts = parse_args(arg)
local default_data = load_launcher(opts.prosody)

local libs = {}
for _, name in ipairs({ "util.json", "util.array", "util.jid",
    "util.datamanager", "util.logger", "lfs" }) do
	local ok, lib = pcall(require, name)
	if not ok then
		die_early("cannot load Prosody's library %s: %s", name, lib)
	end
	libs[name] = lib
end
local json, array, jid = libs["util.json"], libs["util.array"], libs["util.jid"]
local dm, lfs = libs["util.datamanager"], libs["lfs"]

local function emit(obj)
	io.stdout:write(json.encode_ordered(obj), "\n")
end

local function fail(code, fmt, ...)
	emit({ error = { code = code, message = fmt:format(...) } })
	io.stdout:flush()
	os.exit(1)
end

local function warn(fmt, ...)
	emit({ warning = fmt:format(...) })
end

-- util.datamanager says why a file did not load only in its log:
-- "Failed to load <store> storage ('<why>') for user: ...", where why
-- is Lua's, "<file>: <error>" or "<file>:<line>: <error>", the file
-- named by its last 60 characters only in the second.
local last_log
libs["util.logger"].add_simple_sink(function (_, _, message)
	last_log = message
end, { "warn", "error" })

local function load_error(path, err)
	local why = last_log and last_log:match("%('(.*)'%) for user")
	if why == nil then
		return path .. ": " .. tostring(err)
	end
	local line, msg = why:match("^.-:(%d+): (.*)$")
	return line and path .. ":" .. line .. ": " .. msg or why
end

-- A store's content: nil when it has none; a failure names the file.
local function load(node, host, store)
	last_log = nil
	local data, err = dm.load(node, host, store)
	if data == nil and err ~= nil then
		fail("unavailable", "cannot read Prosody's data: %s",
		    load_error(dm.getpath(node, host, store), err))
	end
	if data ~= nil and type(data) ~= "table" then
		fail("unavailable", "%s: not Prosody MUC data (%s, not a table)",
		    dm.getpath(node, host, store), type(data))
	end
	return data
end

---- where the rooms are -------------------------------------------------

local function is_dir(path)
	return lfs.attributes(path, "mode") == "directory"
end

-- Does host have MUC rooms stored (its rooms list, or room files)?
local function is_muc_host(host)
	return lfs.attributes(dm.getpath(nil, host, "persistent"), "mode")
	    ~= nil or dm.users(host, "config")() ~= nil
end

local function muc_hosts(data)
	local hosts = {}
	local ok, iter, state = pcall(lfs.dir, data)
	if not ok then
		fail("unavailable", "cannot read the Prosody data directory %s",
		    iter)
	end
	for entry in iter, state do
		local host = dm.path_decode(entry)
		if entry:sub(1, 1) ~= "." and is_dir(data .. "/" .. entry)
		    and is_muc_host(host) then
			hosts[#hosts + 1] = host
		end
	end
	table.sort(hosts)
	return hosts
end

local function pick_host(data, wanted)
	local hosts = muc_hosts(data)
	local found = #hosts == 0 and "none" or table.concat(hosts, ", ")
	if wanted ~= nil then
		for _, h in ipairs(hosts) do
			if h == wanted then return h end
		end
		fail("not-found", "no Prosody MUC data for %s in %s (MUC hosts "
		    .. "there: %s)", wanted, data, found)
	end
	if #hosts == 0 then
		fail("not-found", "no Prosody MUC data in %s: no host there has "
		    .. "MUC rooms in Prosody's file storage (for SQL storage, "
		    .. "copy it to files with prosody-migrator first)", data)
	end
	if #hosts > 1 then
		fail("bad-request", "%s holds several MUC hosts (%s): choose one "
		    .. "with --host", data, found)
	end
	return hosts[1]
end

---- one room ----------------------------------------------------------

-- Converters from a Prosody value (never nil) to a mucd one; nil when
-- mucd cannot take it. An empty text is no text to Prosody too.
local function text(v)
	if type(v) == "string" then return v end
end

local function flag(v)
	if type(v) == "boolean" then return v end
end

local function count(v)
	local n = math.tointeger(v)
	if n ~= nil and n >= 0 then return n end
end

local function bad_value(room_jid, key, v)
	warn("%s: Prosody setting '%s' has a value mucd cannot take (%s); "
	    .. "left out", room_jid, key, tostring(v))
end

local roles = { "none", "visitor", "participant", "moderator" }

local function role_list(v)
	if type(v) ~= "table" then return nil end
	local out = array()
	for _, r in ipairs(roles) do
		if v[r] then out:push(r) end
	end
	return out
end

local function whois(v)
	if v == "moderators" or v == "anyone" then return v end
end

-- Prosody's settings (room._data keys) and the mucd room options they
-- become (mucctl(8), ROOM OPTIONS). Where Prosody keeps no value its
-- code falls back to a default of its own (the module named), which is
-- how the room behaved, so that is written; a default that comes from
-- Prosody's configuration (archiving: muc_log_by_default) is not known
-- here, and the option is then left to mucd's own default.
local settings = {
	{ "name", "name", text },
	{ "description", "description", text },
	{ "language", "language", text },
	{ "password", "password", text },
	{ "persistent", "persistent", flag },
	-- hidden.lib.lua: hidden is true or nil.
	{ "hidden", "public", function (v)
		if type(v) == "boolean" then return not v end
	end, false },
	-- members_only.lib.lua, moderated.lib.lua, subject.lib.lua: nil
	-- is false.
	{ "members_only", "members_only", flag, false },
	{ "moderated", "moderated", flag, false },
	{ "allow_member_invites", "allow_member_invites", flag, false },
	{ "changesubject", "change_subject", flag, false },
	-- whois.lib.lua
	{ "whois", "whois", whois, "moderators" },
	-- history.lib.lua: 20 (not kept when it is 20), at most
	-- max_history_messages.
	{ "history_length", "history_length", count, 20 },
	{ "default_history_messages", "default_history", count, 20 },
	-- presence_broadcast.lib.lua
	{ "presence_broadcast", "presence_broadcast", role_list,
	    { visitor = true, participant = true, moderator = true } },
	-- mod_muc_mam.lua
	{ "archiving", "archiving", flag },
}

-- Kept by Prosody with the subject, which the document's "subject"
-- carries without them (mucd keeps them, but not as room options).
local with_subject = {
	subject_from = "who set the subject",
	subject_time = "when the subject was set",
}

local function room_config(room_jid, data)
	local config, used = {}, { subject = true }
	for _, s in ipairs(settings) do
		local key, option, convert, default = s[1], s[2], s[3], s[4]
		local v = data[key]
		if v == nil or v == "" then v = default end
		if v ~= nil then
			config[option] = convert(v)
			if config[option] == nil then
				bad_value(room_jid, key, v)
			end
		end
		used[key] = true
	end
	-- history.lib.lua caps the default at the length when it is set.
	if config.default_history ~= nil and config.history_length ~= nil
	    and config.default_history > config.history_length then
		config.default_history = config.history_length
	end
	local rest = {}
	for key in pairs(data) do
		if not used[key] then rest[#rest + 1] = key end
	end
	table.sort(rest)
	for _, key in ipairs(rest) do
		if with_subject[key] then
			warn("%s: Prosody setting '%s' (%s) has no place in a "
			    .. "rooms document; left out", room_jid, key,
			    with_subject[key])
		else
			warn("%s: Prosody setting '%s' has no mucd equivalent; "
			    .. "left out", room_jid, key)
		end
	end
	return config
end

local ranks = { owner = 1, admin = 2, member = 3, outcast = 4 }

-- muc.lib.lua's restore_room: affiliations in the old or the new format.
local function frozen_affiliations(frozen)
	if frozen.jid ~= nil and type(frozen._affiliations) == "table" then
		return frozen._affiliations
	end
	local affs = {}
	for user, affiliation in pairs(frozen) do
		local _, host, resource = jid.split(user)
		if host ~= nil and host:sub(1, 1) ~= "_" and resource == nil
		    and type(affiliation) == "string" then
			affs[user] = affiliation
		end
	end
	return affs
end

local function room_affiliations(room_jid, frozen)
	local affs = frozen_affiliations(frozen)
	local extra = type(frozen._affiliation_data) == "table" and
	    frozen._affiliation_data or {}
	local out = array()
	for user, affiliation in pairs(affs) do
		if ranks[affiliation] == nil then
			warn("%s: Prosody affiliation '%s' of %s has no mucd "
			    .. "equivalent; left out", room_jid,
			    tostring(affiliation), user)
		else
			local item = { jid = user, affiliation = affiliation }
			local more = type(extra[user]) == "table" and extra[user]
			    or {}
			for key, v in pairs(more) do
				if key == "reserved_nickname" and
				    type(v) == "string" and v ~= "" then
					item.nick = v
				else
					warn("%s: Prosody affiliation data '%s' of %s "
					    .. "has no mucd equivalent; left out",
					    room_jid, tostring(key), user)
				end
			end
			out:push(item)
		end
	end
	for user in pairs(extra) do
		if affs[user] == nil then
			warn("%s: Prosody keeps data for %s, who has no "
			    .. "affiliation; left out", room_jid, tostring(user))
		end
	end
	table.sort(out, function (a, b)
		if a.affiliation ~= b.affiliation then
			return ranks[a.affiliation] < ranks[b.affiliation]
		end
		return a.jid < b.jid
	end)
	return out
end

-- The room as the document has it, or nil (with a warning) when it is
-- not a room to move.
local function convert_room(frozen, path, fallback_jid)
	local data = frozen._data
	if type(data) ~= "table" then
		fail("unavailable", "%s: not a Prosody MUC room (no _data)", path)
	end
	local room_jid = frozen._jid or frozen.jid or fallback_jid
	if data.destroyed then
		warn("%s: destroyed in Prosody (a tombstone, kept until %s); "
		    .. "left out", room_jid, type(data.locked) == "number" and
		    os.date("!%Y-%m-%dT%H:%M:%SZ", data.locked) or "?")
		return nil
	end
	if not data.persistent then
		warn("%s: a temporary room (Prosody saves one with its "
		    .. "occupants, to bring it back); left out", room_jid)
		return nil
	end
	local room = {
		jid = room_jid,
		config = room_config(room_jid, data),
		affiliations = room_affiliations(room_jid, frozen),
	}
	if data.subject ~= nil and text(data.subject) == nil then
		bad_value(room_jid, "subject", data.subject)
	elseif data.subject ~= nil and data.subject ~= "" then
		room.subject = data.subject
	end
	return room
end

---- the service -------------------------------------------------------

-- Every room Prosody can restore: those in its list, and any room file
-- (mod_muc restores a room from its file alone when someone joins it).
local function room_nodes(host)
	local nodes, listed = {}, load(nil, host, "persistent") or {}
	for room_jid in pairs(listed) do
		local node = type(room_jid) == "string" and jid.split(room_jid)
		if node then nodes[node] = room_jid end
	end
	for node in dm.users(host, "config") do
		nodes[node] = nodes[node] or false
	end
	local sorted = {}
	for node in pairs(nodes) do sorted[#sorted + 1] = node end
	table.sort(sorted)
	return sorted, nodes
end

local function export(host)
	local rooms = array()
	local nodes, listed = room_nodes(host)
	for _, node in ipairs(nodes) do
		local frozen = load(node, host, "config")
		local fallback = listed[node] or jid.join(node, host)
		if frozen == nil then
			warn("%s: in Prosody's list of rooms, but %s does not "
			    .. "exist; left out", fallback,
			    dm.getpath(node, host, "config"))
		else
			local room = convert_room(frozen,
			    dm.getpath(node, host, "config"), fallback)
			if room ~= nil then rooms:push(room) end
		end
	end
	return { format = "mucd-rooms/1", rooms = rooms }
end

local data = opts.data or default_data or "."
if not is_dir(data) then
	local _, err = lfs.attributes(data, "mode")
	fail("unavailable", "no Prosody data directory %s: %s", data,
	    err and err:match(": ([^:]*)$") or "not a directory")
end
dm.set_data_path(data)
emit({ document = export(pick_host(data, opts.host)) })
