-- A correct XEP-0033 service that makes its copies later, for
-- tests/t/multicast_order.sh only: as ejabberd's mod_multicast, a process
-- of its own, may let a stanza the component sends directly afterwards
-- overtake them. mucd must not rely on the service for the copy of the
-- sender it answers next.
local st = require "util.stanza";

local xmlns_address = "http://jabber.org/protocol/address";
local delay = 0.5;

module:hook("iq-get/host/http://jabber.org/protocol/disco#info:query",
	function (event)
		event.origin.send(st.reply(event.stanza)
			:tag("query", { xmlns = "http://jabber.org/protocol/disco#info" })
			:tag("identity", { category = "service", type = "multicast" }):up()
			:tag("feature", { var = xmlns_address }):up());
		return true;
	end);

local function handle(event)
	local stanza = event.stanza;
	local addresses = stanza:get_child("addresses", xmlns_address);
	if addresses == nil then
		return;
	end
	local copies = {};
	for address in addresses:childtags("address", xmlns_address) do
		local copy = st.clone(stanza);
		copy:remove_children("addresses", xmlns_address);
		copy.attr.to = address.attr.jid;
		copies[#copies + 1] = copy;
	end
	module:add_timer(delay, function ()
		for _, copy in ipairs(copies) do
			module:send(copy);
		end
	end);
	return true;
end

module:hook("message/host", handle);
module:hook("presence/host", handle);
