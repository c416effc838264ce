# A pysctp-style one-to-one echo server (separate process): prints
# "READY <port>" once listening, echoes every message with its stream and
# PPID, multiplexing sockets with select.
import select
import socket
import sys
import sctp

port = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
count = int(sys.argv[2]) if len(sys.argv) > 2 else 1
srv = sctp.sctpsocket_tcp(socket.AF_INET)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(5)
print("READY", port, sctp.local_udp_port(), flush=True)
socks = [srv]
done = 0
while done < count:
    r, _, _ = select.select(socks, [], [], 20)
    if not r:
        sys.exit("server: nothing for 20 s")
    for s in r:
        if s is srv:
            c, addr = srv.accept()
            c.events.clear()
            c.events.data_io = 1
            socks.append(c)
            continue
        fromaddr, flags, msg, notif = s.sctp_recv(65536)
        if flags & sctp.FLAG_NOTIFICATION:
            continue
        if msg == b"":
            socks.remove(s)
            s.close()
            done += 1
            continue
        s.sctp_send(msg, ppid=notif.ppid, stream=notif.stream)
srv.close()
print("server done", flush=True)
