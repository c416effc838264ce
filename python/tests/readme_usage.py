# The usage shown in pysctp 0.7.1's README, run unchanged: a one-to-one
# socket connects to port 36413 ("most socket operations work for SCTP
# too"). A server socket in the same process answers there.
import socket
import sctp

srv = sctp.sctpsocket_tcp(socket.AF_INET)
srv.bind(("127.0.0.1", 36413))
srv.listen(1)

# --- README ---
sk = sctp.sctpsocket_tcp(socket.AF_INET)
sk.connect(("127.0.0.1", 36413))
# --- end ---

conn, peer = srv.accept()
sk.send(b"plain send")            # delegated socket operations
assert conn.recv(100) == b"plain send"
sk.sctp_send(b"sctp send", stream=0)
fromaddr, flags, msg, notif = conn.sctp_recv(100)
assert msg == b"sctp send", msg
assert flags & sctp.FLAG_EOR
assert fromaddr == peer, (fromaddr, peer)
assert sk.getpeername() == ("127.0.0.1", 36413), sk.getpeername()
assert isinstance(sk.fileno(), int) and sk.fileno() >= 0
sk.close()
fromaddr, flags, msg, notif = conn.sctp_recv(100)
assert msg == b"" and flags == 0, (flags, msg)  # peer closed
conn.close()
srv.close()
print("OK readme_usage")
