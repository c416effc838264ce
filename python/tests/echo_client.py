# A pysctp-style one-to-one client (separate process): connects to
# host:port (SCTP), sends messages on two streams with PPIDs and checks
# that each comes back unchanged, then closes.
import socket
import sys
import sctp

host, port = sys.argv[1], int(sys.argv[2])
check_meta = len(sys.argv) <= 3 or sys.argv[3] != "nometa"
sk = sctp.sctpsocket_tcp(socket.AF_INET)
sk.settimeout(20)
sk.events.clear()
sk.events.data_io = 1
sk.connect((host, port))
msgs = [b"hello", b"world", bytes(range(256)) * 20]
for i, m in enumerate(msgs):
    sk.sctp_send(m, ppid=socket.htonl(51 + i), stream=i % 2)
    got = b""
    while True:
        fromaddr, flags, msg, notif = sk.sctp_recv(65536)
        if flags & sctp.FLAG_NOTIFICATION:
            continue
        got += msg
        if flags & sctp.FLAG_EOR:
            break
    assert got == m, (len(got), len(m))
    if check_meta:
        assert notif.stream == i % 2, notif.stream
        assert socket.ntohl(notif.ppid) == 51 + i, notif.ppid
    assert fromaddr == (host, port), fromaddr
sk.close()
print("OK client", len(msgs), "echoed", flush=True)
