# Bad input raises what pysctp would raise, and the interpreter survives:
# ValueError for bad addresses and empty messages, TypeError for wrong
# shapes, IOError for calls of the wrong style, OSError with errno for
# what the stack refuses; timeouts and non-blocking mode.
import errno
import socket
import time
import _sctp
import sctp


def expect(exc, fn, *a, **kw):
    try:
        fn(*a, **kw)
    except exc as e:
        return e
    raise SystemExit("%s%r did not raise %s" % (getattr(fn, "__name__", fn), a, exc.__name__))


try:
    _sctp.getconstant("NO_SUCH_CONSTANT")
    raise SystemExit("unknown constant accepted")
except (ValueError, SystemError):
    pass

tcp = sctp.sctpsocket_tcp(socket.AF_INET)
udp = sctp.sctpsocket_udp(socket.AF_INET)
udp.bind(("127.0.0.1", 10040))
udp.listen(1)

expect(ValueError, udp.sctp_send, b"")                        # empty message
expect(ValueError, udp.sctp_send, b"x", to=("localhost", 10040))  # names refused
expect(TypeError, udp.sctp_send, b"x", to=None)
expect(TypeError, udp.sctp_send, b"x", to=("127.0.0.1", 1, 0, 0))
expect(TypeError, udp.sctp_send, 12345, to=("127.0.0.1", 10040))
expect(ValueError, tcp.bindx, [])
expect(TypeError, tcp.bindx, [("127.0.0.1",)])
expect(ValueError, tcp.bindx, [("not-an-ip", 1)])
expect(ValueError, tcp.connectx, [])
expect(IOError, tcp.peeloff, 1)
expect(IOError, udp.accept)
expect(ValueError, udp.get_status, 0)
expect(ValueError, tcp.get_paddrinfo, 5, ("127.0.0.1", 1))
expect(ValueError, setattr, tcp, "ttl", 1000)

e = expect(OSError, udp.peeloff, 12345)                        # no such association
assert e.errno in (errno.ENOTCONN, errno.EINVAL), e
e = expect(OSError, tcp.sctp_send, b"x")                       # not connected
assert e.errno == errno.ENOTCONN, e
expect(ValueError, tcp.sctp_recv, 0)
e = expect(OSError, udp.bind, ("127.0.0.1", 10041))           # already bound
assert e.errno == errno.EINVAL, e
other = sctp.sctpsocket_tcp(socket.AF_INET)
e = expect(OSError, other.bind, ("127.0.0.1", 10040))         # port in use
assert e.errno == errno.EADDRINUSE, e
other.close()

# connecting to a port where nobody listens: the peer aborts (refused)
c = sctp.sctpsocket_tcp(socket.AF_INET)
c.settimeout(10)
c.set_remote_udp_port(sctp.local_udp_port())   # our own stack answers
assert c.get_remote_udp_port() == sctp.local_udp_port()
e = expect(OSError, c.connect, ("127.0.0.1", 10049))
assert e.errno == errno.ECONNREFUSED or isinstance(e, ConnectionRefusedError), e
c.close()

# receive timeouts and non-blocking mode (pysctp ignored both, bug B12)
udp.settimeout(0.2)
t0 = time.monotonic()
expect(socket.timeout, udp.sctp_recv, 100)
assert 0.15 < time.monotonic() - t0 < 5
udp.setblocking(False)
e = expect(BlockingIOError, udp.sctp_recv, 100)
assert e.errno == errno.EAGAIN
udp.setblocking(True)

# closed sockets
tcp.close()
e = expect(OSError, tcp.sctp_send, b"x")
assert e.errno == errno.EBADF, e
e = expect(OSError, _sctp.sctp_recv_msg, 999999, 10)
assert e.errno == errno.EBADF, e
udp.close()
udp.close()   # closing twice is harmless, as for Python sockets
print("OK errors")
