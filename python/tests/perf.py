# Rough speed of the Python binding (not run by go test): one-way
# messages per second and ping-pong round-trip time, 100-byte messages,
# one process over loopback.  USCTP_UDP_PORT=0 PYTHONPATH=python python3 python/tests/perf.py
import socket, sctp, time, threading
srv = sctp.sctpsocket_tcp(socket.AF_INET); srv.bind(("127.0.0.1", 10090)); srv.listen(1)
cli = sctp.sctpsocket_tcp(socket.AF_INET); cli.connect(("127.0.0.1", 10090))
conn, _ = srv.accept()
N = 20000
msg = b"x" * 100
def rx():
    for _ in range(N):
        conn.sctp_recv(1000)
t = threading.Thread(target=rx); t0 = time.perf_counter(); t.start()
for _ in range(N):
    cli.sctp_send(msg)
t.join(); dt = time.perf_counter() - t0
print("one-way 100 B: %d msgs in %.2fs = %.0f msg/s" % (N, dt, N/dt))
M = 2000
t0 = time.perf_counter()
for _ in range(M):
    cli.sctp_send(msg); conn.sctp_recv(1000); conn.sctp_send(msg); cli.sctp_recv(1000)
dt = time.perf_counter() - t0
print("ping-pong 100 B: %d round trips in %.2fs = %.0f us/rtt" % (M, dt, dt/M*1e6))
