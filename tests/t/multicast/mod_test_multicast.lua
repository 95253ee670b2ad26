-- XEP-0033 services that mucd must not be fooled by, for tests/t only;
-- the component's option test_multicast says which:
--   "leaky" (tests/t/multicast_fallback.sh) delivers a copy to every
--     address but leaves the <addresses/> in it, so each recipient would
--     see every other one: mucd's check must refuse it;
--   "late" (tests/t/multicast_order.sh) is correct but makes its copies
--     half a second later, as ejabberd's mod_multicast, a process of its
--     own, may let a stanza the component sends directly afterwards
--     overtake them: mucd must not rely on it for the copy of the sender
--     it answers next.
local st = require "util.stanza";

local xmlns_address = "http://jabber.org/protocol/address";
local kind = module:get_option_string("test_multicast");

assert(kind == "leaky" or kind == "late",
	"test_multicast must be \"leaky\" or \"late\"");

module:hook("iq-get/host/http://jabber.org/protocol/disco#info:query",
	function (event)
		event.origin.send(st.reply(event.stanza)
			:tag("query", { xmlns = "http://jabber.org/protocol/disco#info" })
			:tag("identity", { category = "service", type = "multicast" }):up()
			:tag("feature", { var = xmlns_address }):up());
		return true;
	end);

local function copies_of(stanza, addresses)
	local copies = {};
	for address in addresses:childtags("address", xmlns_address) do
		local copy = st.clone(stanza);
		if kind == "late" then
			copy:remove_children("addresses", xmlns_address);
		end
		copy.attr.to = address.attr.jid;
		copies[#copies + 1] = copy;
	end
	return copies;
end

local function handle(event)
	local stanza = event.stanza;
	local addresses = stanza:get_child("addresses", xmlns_address);
	if addresses == nil then
		return;
	end
	local copies = copies_of(stanza, addresses);
	local function send()
		for _, copy in ipairs(copies) do
			module:send(copy);
		end
	end
	if kind == "late" then
		module:add_timer(0.5, send);
	else
		send();
	end
	return true;
end

module:hook("message/host", handle);
module:hook("presence/host", handle);
