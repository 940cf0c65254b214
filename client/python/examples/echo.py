#!/usr/bin/env python3
"""echo.py: a TCP echo exchange through sock6d, then a stream followed.

Needs a running daemon: its socket from $SOCK6D_SOCKET or the default path.
A local echo server on 127.0.0.1 (a thread here) is the peer; the daemon's
socket connects to it, sends, receives the echo, then follows what the peer
sends with a subscription until the peer closes.
"""

import socket
import sys
import threading

import sock6d


def echo_server(listener: socket.socket) -> None:
    conn, _ = listener.accept()
    with conn:
        conn.sendall(conn.recv(1024))           # the echo
        if conn.recv(1024) == b"more":          # then a stream, and EOF
            for i in range(3):
                conn.sendall(b"line %d\n" % i)


def main() -> int:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    threading.Thread(target=echo_server, args=(listener,), daemon=True).start()

    with sock6d.Client() as client:
        with client.socket("inet", "stream") as s:
            print("connected to", s.connect(("127.0.0.1", port))["string"])
            message = b"hello, echo"
            s.send_all(message)
            echoed = b""
            while len(echoed) < len(message):
                echoed += s.receive(1024)
            print("echoed:", echoed.decode())
            s.send_all(b"more")
            for chunk in client.subscribe(s.handle, encoding="text"):
                print("streamed:", chunk, end="")
    listener.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
