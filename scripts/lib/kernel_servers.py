#!/usr/bin/python3
"""Echo (RFC 862) and discard (RFC 863) servers on the Linux kernel's TCP, the
counterparts of `synline-server --serve echo:7 --serve discard:9`, so that the
same clients can be timed against either stack on the same path.

usage: kernel_servers.py IP [--echo PORT] [--discard PORT]

Any number of connections, one thread each. Echo sends back everything it
reads; at the client's FIN it sends its own after the last byte. Discard
reads until the client's FIN, then closes. Prints 'kernel-servers: ready'
once every socket listens; runs until SIGINT or SIGTERM.
"""
import argparse
import signal
import socket
import sys
import threading

CHUNK = 256 * 1024


def serve(conn, echo):
    with conn:
        try:
            while True:
                data = conn.recv(CHUNK)
                if not data:
                    break
                if echo:
                    conn.sendall(data)
            conn.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # reset by the client: nothing to report to anyone


def accept_loop(ls, echo):
    while True:
        conn, _ = ls.accept()
        threading.Thread(target=serve, args=(conn, echo), daemon=True).start()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ip")
    ap.add_argument("--echo", type=int, default=None)
    ap.add_argument("--discard", type=int, default=None)
    a = ap.parse_args()
    ports = [(p, echo) for p, echo in ((a.echo, True), (a.discard, False)) if p is not None]
    if not ports:
        print("kernel_servers.py: give --echo PORT and/or --discard PORT", file=sys.stderr)
        sys.exit(2)
    for port, echo in ports:
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((a.ip, port))
        ls.listen(128)
        threading.Thread(target=accept_loop, args=(ls, echo), daemon=True).start()
    print("kernel-servers: ready", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
