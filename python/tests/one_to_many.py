# One-to-many server with notifications and peeloff: two one-to-one
# clients connect; the server learns their association ids from COMM_UP
# (assoc_change), reads their data with data_io metadata, answers with
# sctp_send(to=fromaddr), peels one association off into an
# sctpsocket_tcp, and shuts the other down with MSG_EOF.
import select
import socket
import sctp

srv = sctp.sctpsocket_udp(socket.AF_INET)
srv.bind(("127.0.0.1", 10010))
srv.listen(5)
srv.events.clear()
srv.events.data_io = True
srv.events.association = True
srv.events.shutdown = True
assert srv.events.association and srv.events.data_io and srv.events.dataio
try:
    srv.accept()
    raise SystemExit("accept on a one-to-many socket did not raise")
except IOError:
    pass

clients = []
for port in (10011, 10012):
    c = sctp.sctpsocket_tcp(socket.AF_INET)
    c.settimeout(10)
    c.bind(("127.0.0.1", port))
    c.connect(("127.0.0.1", 10010))
    clients.append(c)

ids = {}
srv.settimeout(10)
while len(ids) < 2:
    fromaddr, flags, msg, notif = srv.sctp_recv(1000)
    assert flags & sctp.FLAG_NOTIFICATION and msg is None, (flags, msg)
    assert isinstance(notif, sctp.assoc_change), notif
    assert notif.state == sctp.assoc_change.state_COMM_UP, notif.state
    assert notif.type == sctp.notification.type_ASSOC_CHANGE
    ids[fromaddr] = notif.assoc_id
assert set(ids) == {("127.0.0.1", 10011), ("127.0.0.1", 10012)}, ids
assert len(set(ids.values())) == 2

for i, c in enumerate(clients):
    c.sctp_send(b"from client %d" % i, stream=1)
for _ in clients:
    r, _, _ = select.select([srv], [], [], 10)
    assert r == [srv], "one-to-many socket not readable with data waiting"
    fromaddr, flags, msg, notif = srv.sctp_recv(1000)
    assert not flags & sctp.FLAG_NOTIFICATION
    assert notif.assoc_id == ids[fromaddr], (notif.assoc_id, ids)
    assert notif.stream == 1
    srv.sctp_send(b"re: " + msg, to=fromaddr)
for i, c in enumerate(clients):
    fromaddr, flags, msg, notif = c.sctp_recv(1000)
    assert msg == b"re: from client %d" % i, msg
assert srv.getpaddrs(ids[("127.0.0.1", 10011)]) == (("127.0.0.1", 10011),)
st = srv.get_status(ids[("127.0.0.1", 10012)])
assert st.state == sctp.status.state_ESTABLISHED
try:
    srv.get_status(0)
    raise SystemExit("get_status(0) on a one-to-many socket did not raise")
except ValueError:
    pass

# Peel the first association off; its next message arrives there.
peeled = srv.peeloff(ids[("127.0.0.1", 10011)])
assert isinstance(peeled, sctp.sctpsocket_tcp)
try:
    peeled.peeloff(1)
    raise SystemExit("peeloff on a one-to-one socket did not raise")
except IOError:
    pass
peeled.settimeout(10)
clients[0].sctp_send(b"after peeloff")
fromaddr, flags, msg, notif = peeled.sctp_recv(1000)
assert msg == b"after peeloff", msg
peeled.sctp_send(b"peeled answer")
assert clients[0].sctp_recv(1000)[2] == b"peeled answer"
assert peeled.getpaddrs() == (("127.0.0.1", 10011),)

# Shut the second association down from the server (MSG_EOF, empty msg).
srv.sctp_send(b"", to=("127.0.0.1", 10012), flags=sctp.MSG_EOF)
fromaddr, flags, msg, notif = clients[1].sctp_recv(1000)
assert msg == b"" and flags == 0, (flags, msg)     # client sees the end
kinds = set()
while sctp.assoc_change.state_SHUTDOWN_COMP not in kinds:
    fromaddr, flags, msg, notif = srv.sctp_recv(1000)
    assert flags & sctp.FLAG_NOTIFICATION
    if isinstance(notif, sctp.assoc_change):
        kinds.add(notif.state)
        assert notif.assoc_id == ids[("127.0.0.1", 10012)]
for c in clients:
    c.close()
peeled.close()
srv.close()
print("OK one_to_many")
