# fileno() works with select, poll and selectors (readable exactly while
# something waits); close() from another thread unblocks a blocked
# sctp_recv and accept; several threads send and receive on one socket.
import selectors
import select
import socket
import threading
import time
import sctp

srv = sctp.sctpsocket_tcp(socket.AF_INET)
srv.bind(("127.0.0.1", 10050))
srv.listen(5)
assert select.select([srv], [], [], 0)[0] == []
cli = sctp.sctpsocket_tcp(socket.AF_INET)
cli.connect(("127.0.0.1", 10050))
assert select.select([srv], [], [], 10)[0] == [srv], "listener not readable with an association to accept"
conn, _ = srv.accept()
assert select.select([srv], [], [], 0)[0] == []

sel = selectors.DefaultSelector()
sel.register(conn, selectors.EVENT_READ)
assert sel.select(0) == []
cli.sctp_send(b"one")
cli.sctp_send(b"two")
ev = sel.select(10)
assert len(ev) == 1 and ev[0][0].fileobj is conn
assert conn.sctp_recv(100)[2] == b"one"
p = select.poll()
p.register(conn.fileno(), select.POLLIN)
assert p.poll(10000), "still readable with a second message waiting"
assert conn.sctp_recv(100)[2] == b"two"
assert p.poll(0) == [] and sel.select(0) == [], "readable with nothing waiting"
sel.close()

# close from another thread unblocks a blocked receive
result = []
def blocked_recv():
    try:
        conn.sctp_recv(100)
        result.append("returned")
    except OSError as e:
        result.append(e.errno)
t = threading.Thread(target=blocked_recv)
t.start()
time.sleep(0.2)
assert t.is_alive()
conn.close()
t.join(5)
assert not t.is_alive(), "close did not unblock sctp_recv"
assert result and result[0] != "returned", result

def blocked_accept():
    try:
        srv.accept()
        result.append("accepted")
    except OSError as e:
        result.append(e.errno)
t = threading.Thread(target=blocked_accept)
t.start()
time.sleep(0.2)
srv.close()
t.join(5)
assert not t.is_alive(), "close did not unblock accept"
cli.close()

# Ctrl-C (SIGINT) interrupts a blocked sctp_recv with KeyboardInterrupt
import os
import signal
q = sctp.sctpsocket_udp(socket.AF_INET)
q.bind(("127.0.0.1", 10053))
q.listen(1)
try:
    threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
    q.sctp_recv(100)
    raise SystemExit("sctp_recv returned without data")
except KeyboardInterrupt:
    pass
q.close()

# several threads on one one-to-many socket pair
a = sctp.sctpsocket_udp(socket.AF_INET)
a.bind(("127.0.0.1", 10051))
a.listen(5)
b = sctp.sctpsocket_udp(socket.AF_INET)
b.bind(("127.0.0.1", 10052))
b.listen(5)
N, T = 200, 4
got = []
lock = threading.Lock()
a.settimeout(0.2)
deadline = time.monotonic() + 30
def receiver():
    while time.monotonic() < deadline:
        with lock:
            if len(got) >= N * T:
                return
        try:
            f, fl, m, n = a.sctp_recv(1000)
        except socket.timeout:
            continue
        if not fl & sctp.FLAG_NOTIFICATION:
            with lock:
                got.append(m)
def sender(k):
    for i in range(N):
        b.sctp_send(b"%d-%d" % (k, i), to=("127.0.0.1", 10051))
threads = [threading.Thread(target=receiver) for _ in range(2)] + \
          [threading.Thread(target=sender, args=(k,)) for k in range(T)]
for t in threads:
    t.start()
for t in threads:
    t.join(30)
assert len(got) == N * T and len(set(got)) == N * T, len(got)
a.close()
b.close()
print("OK select_threads")
