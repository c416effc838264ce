# pysctp-style loopback test in one process (the scenario of pysctp's
# test_loopback.py): server on 127.0.0.1:10001, client bound to
# 127.0.0.1:10002 with 3/3 streams and data_io events sends before the
# server accepts.
import time
import _sctp
import sctp
from sctp import *

if _sctp.getconstant("IPPROTO_SCTP") != 132:
    raise Exception("getconstant failed")

server = "127.0.0.1"
tcpport = 10001

srv = sctpsocket_tcp(socket.AF_INET)   # socket comes with the star import
srv.bind((server, tcpport))
srv.listen(5)

client = "127.0.0.1"
cli = sctpsocket_tcp(socket.AF_INET)
cli.initparams.max_instreams = 3
cli.initparams.num_ostreams = 3
cli.events.clear()
cli.events.data_io = 1
cli.bind((client, 10002))
cli.connect((server, tcpport))
cli.sctp_send(b"HELLO, world!", ppid=socket.htonl(46), stream=2)
time.sleep(0.01)

conn, addr = srv.accept()
assert addr == (client, 10002), addr
fromaddr, flags, msg, notif = conn.sctp_recv(2048)
print("flags", flags, "msg", msg)
assert msg == b"HELLO, world!"
assert flags & FLAG_EOR and not flags & FLAG_NOTIFICATION
assert isinstance(notif, sndrcvinfo)
assert notif.stream == 2, notif.stream
assert socket.ntohl(notif.ppid) == 46, notif.ppid   # raw order, as pysctp 0.7.1
assert cli.getladdrs() == ((client, 10002),), cli.getladdrs()
assert cli.getpaddrs() == ((server, tcpport),), cli.getpaddrs()
st = cli.get_status()
assert st.state == status.state_ESTABLISHED, st.state
assert st.outstrms == 3 and st.instrms <= 3, (st.outstrms, st.instrms)
assert st.primary.sockaddr == (server, tcpport), st.primary.sockaddr

# partial reads: EOR only on the last piece
cli.sctp_send(b"x" * 5000)
got = b""
while True:
    fromaddr, flags, msg, notif = conn.sctp_recv(1000)
    got += msg
    if flags & FLAG_EOR:
        break
    assert len(msg) == 1000
assert got == b"x" * 5000

cli.close()
conn.close()
srv.close()

# The same over IPv6, with bindx/connectx and sctp_send(to=) taking IPv6
# literals (pysctp's bug B9 broke them).
srv = sctpsocket_tcp(socket.AF_INET6)
srv.bindx([("::1", 10003)])
srv.listen(5)
cli = sctpsocket_tcp(socket.AF_INET6)
ids = {}
cli.connectx([("::1", 10003)], ids)
assert ids.get("assoc_id", 0) != 0, ids
conn, addr = srv.accept()
assert addr[0] == "::1" and len(addr) == 4, addr          # Python's AF_INET6 form
cli.sctp_send(b"over v6")
fromaddr, flags, msg, notif = conn.sctp_recv(100)
assert msg == b"over v6" and fromaddr == ("::1", addr[1]), (msg, fromaddr)
u = sctpsocket_udp(socket.AF_INET6)
u.bind(("::1", 10004))
u.listen(5)
c2 = sctpsocket_udp(socket.AF_INET6)
c2.sctp_send(b"to v6", to=("::1", 10004))
u.settimeout(10)
while True:
    fromaddr, flags, msg, notif = u.sctp_recv(100)
    if not flags & FLAG_NOTIFICATION:
        break
assert msg == b"to v6" and fromaddr[0] == "::1", (msg, fromaddr)
for s in (cli, conn, srv, u, c2):
    s.close()
print("OK loopback")
