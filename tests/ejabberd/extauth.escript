#!/usr/bin/env escript
%%! -noshell -noinput
%% ejabberd external authentication for the interop tests: every
%% user@localhost exists and every password is right (the counterpart of
%% Prosody's authentication = "insecure" in tests/fixture/prosody.sh).
%%
%% Protocol (ejabberd's extauth): requests on stdin, each a 2-byte
%% big-endian length and "op:user:server[:password]"; each answer is a
%% 2-byte length (2) and a 2-byte result, 1 for yes. Exits at EOF, i.e.
%% when ejabberd goes away. Arguments are ignored (ejabberd.sh passes the
%% node name so that leftover processes can be recognised).
main(_) ->
    Port = open_port({fd, 0, 1}, [{packet, 2}, binary, eof]),
    loop(Port).

loop(Port) ->
    receive
        {Port, {data, _Request}} ->
            port_command(Port, <<1:16>>),
            loop(Port);
        {Port, eof} ->
            halt(0);
        _ ->
            loop(Port)
    end.
