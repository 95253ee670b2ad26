-- mod_mucd_multicast: XEP-0033 multicast for mucd, shipped with mucd.
--
-- mucd is a MUC component: without help, a message to a room of N
-- occupants crosses the component link N times, and Prosody parses and
-- routes every copy. With this module mucd sends it once, to this host,
-- with the recipients as bcc addresses; the module takes the addresses
-- out and routes one copy to each, as if mucd had sent them one by one.
--
-- In prosody.cfg.lua (see README.md in the mucd sources):
--
--	plugin_paths = { "/usr/share/mucd/prosody" }  -- where mucd installs it
--	modules_enabled = { ...; "mucd_multicast" }
--	mucd_multicast_senders = { "conference.example.org" }
--
-- The host then lists the feature http://jabber.org/protocol/address in
-- service discovery, which is how mucd (multicast = auto) finds it; mucd
-- checks it before use and sends one copy per recipient when it is
-- missing or refuses.
--
-- Only the components named in mucd_multicast_senders may use it: a
-- multicast stanza from anyone else (a user, another server, another
-- component) gets a "forbidden" error and nothing is delivered, so the
-- module cannot be used to make this server send copies for others.
-- mucd_multicast_max_addresses (default 1000, also advertised in service
-- discovery, XEP-0128) bounds the addresses of one stanza; more get
-- "not-acceptable".
--
-- mucd_multicast_read_size (bytes, default 1048576): how much of a
-- sender's stream is read at once. Prosody reads 4 KiB by default; a
-- multicast stanza is larger, so each read would bring at most one, and
-- every client would get its copies one write at a time. Read large, and
-- a read brings several broadcasts whose copies to each client leave in
-- one write, as happens when Prosody's own MUC serves a chat client's
-- small stanzas (measured: make bench-e2e, README.md).
--
-- Besides XEP-0033's <addresses/>, the module takes mucd's compact form
-- (feature urn:x-mucd:bcc:0, which mucd uses when it is listed): the
-- recipients' JIDs as the text of one <bcc xmlns='urn:x-mucd:bcc:0'/>,
-- each followed by a line feed (a JID has no control characters), all of
-- them bcc. Prosody's parser makes a table and strings of every
-- <address/> element, some 440 bytes a recipient that its garbage
-- collector then pays for; of a line, only the JID's string.

local st = require "util.stanza";
local jid_host = require "util.jid".host;
local jid_prep = require "util.jid".prep;
local dataforms = require "util.dataforms";
local core_post_stanza = prosody.core_post_stanza;
local full_sessions, bare_sessions = prosody.full_sessions, prosody.bare_sessions;
local hosts = prosody.hosts;

local xmlns_address = "http://jabber.org/protocol/address";
local xmlns_bcc = "urn:x-mucd:bcc:0";

local senders = module:get_option_set("mucd_multicast_senders", {});
local max_addresses = module:get_option_number(
	"mucd_multicast_max_addresses", 1000, 1);
local read_size = module:get_option_number("mucd_multicast_read_size",
	1048576, 4096);

if senders:empty() then
	module:log("warn", "mucd_multicast_senders is empty: every multicast "
		.. "stanza is refused");
end

module:add_feature(xmlns_address);
module:add_feature(xmlns_bcc);
module:add_identity("service", "multicast", "mucd multicast");
module:add_extension(dataforms.new({
	{ name = "FORM_TYPE", type = "hidden", value = xmlns_address };
	{ name = "message", type = "text-single" };
	{ name = "presence", type = "text-single" };
}):form({
	message = tostring(max_addresses);
	presence = tostring(max_addresses);
}, "result"));

local function refuse(stanza, etype, condition, text)
	module:send(st.error_reply(stanza, etype, condition, text, module.host));
	return true;
end

-- Who may send: a component connected to this Prosody (its stanzas come
-- from its own domain, Prosody checks that) named in the list.
local function allowed(origin, stanza)
	local host = jid_host(stanza.attr.from);
	return origin.type == "component" and host ~= nil
		and origin.host == host and senders:contains(host);
end

-- An address as Prosody's router takes it: as it is when it names a
-- session or a host (the common case, and no stringprep), else prepared;
-- nil when it is not a JID.
local function prepared(to)
	if to == nil or full_sessions[to] or bare_sessions[to] or hosts[to] then
		return to;
	end
	return jid_prep(to);
end

-- One recipient more, unless there are max_addresses already (false).
-- An address that is not a JID is answered from it, as the router
-- answers a stanza sent there directly; the other addresses are served.
local function add_target(targets, stanza, jid, uri)
	if #targets == max_addresses then
		return false;
	end
	local to = prepared(jid);
	if to == nil then
		local err = st.error_reply(stanza, "modify", "jid-malformed",
			"Not an address this service can deliver to: "
			..tostring(jid or uri));
		err.attr.from = jid or module.host;
		module:send(err);
	else
		targets[#targets + 1] = to;
	end
	return true;
end

-- The targets (to, cc, bcc not yet delivered; the compact form's lines),
-- and the <addresses/> the copies keep: to and cc marked delivered, the
-- other kinds as they are; bcc never (XEP-0033 4.6). nil and an error
-- when unusable.
local function targets_of(stanza, addresses, bcc)
	local targets, keep = {}, st.stanza("addresses", { xmlns = xmlns_address });
	local too_many = "More than "..max_addresses.." addresses";
	for address in (addresses and addresses:childtags("address",
			xmlns_address) or function () end) do
		local kind = address.attr.type;
		if address.attr.delivered == "true" or (kind ~= "to"
				and kind ~= "cc" and kind ~= "bcc") then
			keep:add_child(address);
		elseif not add_target(targets, stanza, address.attr.jid,
				address.attr.uri) then
			return nil, "not-acceptable", too_many;
		elseif kind ~= "bcc" then
			local kept = st.clone(address);
			kept.attr.delivered = "true";
			keep:add_child(kept);
		end
	end
	for jid in (bcc and bcc:get_text() or ""):gmatch("[^\n]+") do
		if not add_target(targets, stanza, jid) then
			return nil, "not-acceptable", too_many;
		end
	end
	if #targets == 0 then
		return nil, "bad-request", "No address to deliver to";
	end
	return targets, nil, nil, keep;
end

local function handle(event)
	local origin, stanza = event.origin, event.stanza;
	local addresses = stanza:get_child("addresses", xmlns_address);
	local bcc = stanza:get_child("bcc", xmlns_bcc);
	if addresses == nil and bcc == nil then
		return; -- not multicast: the host's usual handling
	end
	if stanza.attr.type == "error" then
		return true; -- never answered, never relayed
	end
	if not allowed(origin, stanza) then
		module:log(origin.type == "component" and "warn" or "debug",
			"Refused multicast from %s: not in mucd_multicast_senders",
			stanza.attr.from);
		return refuse(stanza, "auth", "forbidden",
			"This multicast service is for the configured components only");
	end
	-- Large reads from the sender from now on (see the top).
	local conn = origin.conn;
	if conn and conn.set_mode and (conn.read_size or 0) < read_size then
		conn:set_mode(read_size);
	end
	local targets, condition, text, keep = targets_of(stanza, addresses, bcc);
	if targets == nil then
		return refuse(stanza, "modify", condition, text);
	end
	stanza:maptags(function (tag)
		if (tag.name == "addresses" and tag.attr.xmlns == xmlns_address)
				or (tag.name == "bcc" and tag.attr.xmlns == xmlns_bcc) then
			return nil;
		end
		return tag;
	end);
	if #keep.tags > 0 then
		stanza:add_child(keep);
	end
	-- One stanza for every target, as Prosody's own MUC routes its
	-- broadcasts: only the 'to' changes. A stanza Prosody may keep
	-- (a chat message stored offline) gets a copy of its own.
	local shared = stanza.name == "presence" or stanza.attr.type == "groupchat";
	for _, to in ipairs(targets) do
		local copy = shared and stanza or st.clone(stanza);
		copy.attr.to = to;
		core_post_stanza(origin, copy);
	end
	return true;
end

module:hook("message/host", handle, 10);
module:hook("presence/host", handle, 10);
