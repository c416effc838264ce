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
print("OK loopback")
