-- A broken XEP-0033 service, for tests/t/multicast_fallback.sh only: it
-- delivers a copy to every address but leaves the <addresses/> in it, so
-- each recipient would see every other one. mucd's check must refuse it.
local st = require "util.stanza";

local xmlns_address = "http://jabber.org/protocol/address";

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
	for address in addresses:childtags("address", xmlns_address) do
		local copy = st.clone(stanza);
		copy.attr.to = address.attr.jid;
		module:send(copy);
	end
	return true;
end

module:hook("message/host", handle);
module:hook("presence/host", handle);
