#!/usr/bin/env python3
"""echo.py: a TCP echo exchange through sock6d, then a stream followed.

Needs a running daemon: its socket from $SOCK6D_SOCKET or the default path.
All three sockets are the daemon's: a listener on 127.0.0.1 (port chosen by
the kernel), a client that connects to it, and the accepted connection,
which echoes one message back.  Then the client subscribes: the accepted
side sends three lines and shuts down, and each chunk is printed until the
end of the stream.
"""

import sys

import sock6d


def main() -> int:
    with sock6d.Client() as c:
        with c.socket("inet", "stream") as server, c.socket("inet", "stream") as client:
            address = server.bind("127.0.0.1:0")["string"]
            server.listen()
            client.connect(address)
            with server.accept() as conn:
                print("connected:", address)
                client.send_all("hello, sock6d")
                conn.send_all(conn.receive(100))                # the echo
                print("echoed:", client.receive(100).decode())

                conn.send_all("line 0\nline 1\nline 2\n")       # a stream, then EOF
                conn.shutdown("wr")
                for chunk in c.subscribe(client.handle, encoding="text"):
                    print("data:", chunk, end="")
                print("eof")
    return 0


if __name__ == "__main__":
    sys.exit(main())
