# Events subscribed and received: assoc_change (COMM_UP, SHUTDOWN_COMP),
# shutdown_event, adaptation_event, send_failed (a timed-out message on
# a dead association is not checked here: see options.py for ttl).
import socket
import sctp

srv = sctp.sctpsocket_tcp(socket.AF_INET)
srv.bind(("127.0.0.1", 10020))
srv.listen(1)
srv.events.clear()
srv.events.association = 1
srv.events.shutdown = 1
srv.events.adaptation_layer = 1
srv.events.address = 1
assert srv.events.adaptationlayer == 1

cli = sctp.sctpsocket_tcp(socket.AF_INET)
cli.settimeout(10)
cli.adaptation = 0x01020304
assert cli.adaptation == 0x01020304
cli.events.clear()
cli.events.association = 1
cli.events.shutdown = 1
cli.connect(("127.0.0.1", 10020))
fromaddr, flags, msg, n = cli.sctp_recv(1000)
assert flags & sctp.FLAG_NOTIFICATION and msg is None
assert isinstance(n, sctp.assoc_change) and n.state == n.state_COMM_UP, vars(n)
assert n.outbound_streams > 0 and n.inbound_streams > 0
assert fromaddr == ("127.0.0.1", 10020), fromaddr

conn, _ = srv.accept()
conn.settimeout(10)
seen = {}
while not (sctp.assoc_change in seen and sctp.adaptation_event in seen):
    fromaddr, flags, msg, n = conn.sctp_recv(1000)
    assert flags & sctp.FLAG_NOTIFICATION, (flags, msg)
    seen[type(n)] = n
assert seen[sctp.assoc_change].state == sctp.assoc_change.state_COMM_UP
assert seen[sctp.adaptation_event].adaptation_ind == 0x01020304, seen[sctp.adaptation_event].adaptation_ind
# every notification has a length
assert seen[sctp.assoc_change].length > 0

conn.close()   # graceful: the client gets shutdown_event and SHUTDOWN_COMP
got = []
while sctp.assoc_change not in [type(x) for x in got]:
    fromaddr, flags, msg, n = cli.sctp_recv(1000)
    if not flags & sctp.FLAG_NOTIFICATION:
        assert msg == b""
        break
    got.append(n)
types = [type(x) for x in got]
assert sctp.shutdown_event in types, types
ac = [x for x in got if isinstance(x, sctp.assoc_change)][0]
assert ac.state == ac.state_SHUTDOWN_COMP, ac.state

# unknown notification types: the factory warns and returns the base class
n = sctp.notification_factory({"type": 40000, "flags": 0, "length": 8})
assert type(n) is sctp.notification and n.type == 40000
try:
    sctp.notification_factory({})
    raise SystemExit("notification_factory without type did not raise")
except ValueError:
    pass
cli.close()
srv.close()

# An abort with messages still queued: COMM_LOST with the ABORT cause,
# then send_failed for each undelivered message (with its context and
# data), then ECONNRESET.
srv = sctp.sctpsocket_udp(socket.AF_INET)
srv.bind(("127.0.0.1", 10021))
srv.listen(5)
srv.set_rcvbuf(4000)            # the server reads nothing: the client's data queues
srv.settimeout(10)
srv.events.clear()
srv.events.association = 1
cli = sctp.sctpsocket_tcp(socket.AF_INET)
cli.settimeout(10)
cli.events.clear()
cli.events.association = 1
cli.events.send_failure = 1
cli.connect(("127.0.0.1", 10021))
assert cli.sctp_recv(100)[3].state == sctp.assoc_change.state_COMM_UP
peer = srv.sctp_recv(100)[0]
# 40 x 20 kB: more than the server's receive window and buffers can
# take, so some messages are certainly still unsent at the abort.
for i in range(40):
    cli.sctp_send(b"%02d" % i + b"y" * 19998, context=100 + i)
srv.sctp_send(b"bye", to=peer, flags=sctp.MSG_ABORT)
got = []
try:
    while True:
        fromaddr, flags, msg, n = cli.sctp_recv(100000)
        assert flags & sctp.FLAG_NOTIFICATION, (flags, msg)
        got.append(n)
except ConnectionResetError:
    pass
assert isinstance(got[0], sctp.assoc_change) and got[0].state == sctp.assoc_change.state_COMM_LOST, vars(got[0])
assert got[0].error == 12, got[0].error   # cause 12: user-initiated abort
failed = got[1:]
assert failed and all(isinstance(x, sctp.send_failed) for x in failed), [type(x) for x in failed]
for x in failed:
    i = x.info.context - 100
    assert 0 <= i < 40 and x.data == b"%02d" % i + b"y" * 19998, (x.info.context, x.data[:4])
    assert x.flags in (x.flag_DATA_SENT, x.flag_DATA_UNSENT)
cli.close()
srv.close()
print("OK notifications")
