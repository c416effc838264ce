"""Low-level half of the usctp Python binding: pysctp 0.7.1's ``_sctp``
names over the C ABI of usctp (libusctp, built by python/build), loaded
with ctypes.

Like pysctp's C module, every socket function takes the socket's
descriptor (``sock.fileno()``) first and exchanges only plain values
(ints, strings, tuples, dicts); the ``sctp`` module builds objects from
them. The descriptor is usctp's readiness descriptor (readable while
something waits to be read), registered here against the library handle.

Functions whose names start with ``usctp_`` are this binding's own
(socket creation, UDP encapsulation settings); the rest are pysctp's.
"""

import atexit
import base64
import ctypes
import errno as _errno
import json
import os
import socket
import sys
import threading

__all__ = []  # star imports take nothing from here (as in pysctp)

# ---------------------------------------------------------------- library


def _find_library():
    env = os.environ.get("USCTP_LIB")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    names = {"darwin": ["libusctp.dylib", "libusctp.so"], "win32": ["usctp.dll", "libusctp.dll"]}
    for name in names.get(sys.platform, ["libusctp.so"]):
        p = os.path.join(here, name)
        if os.path.exists(p):
            return p
    raise ImportError("libusctp not found next to %s: run python/build (needs Go and a C compiler) "
                      "or set USCTP_LIB to the shared library" % here)


_lib = ctypes.CDLL(_find_library())
_i64 = ctypes.c_int64
_int = ctypes.c_int
_u32 = ctypes.c_uint32
_cp = ctypes.c_char_p
_vp = ctypes.c_void_p


def _proto(name, *args):
    f = getattr(_lib, name)
    f.restype = _i64
    f.argtypes = list(args)
    return f


_c_configure = _proto("usctp_configure", _int, _int, _cp, _vp, _int)
_c_local_port = _proto("usctp_local_udp_port", _vp, _int)
_c_socket = _proto("usctp_socket", _int, _int, _vp, _int)
_c_fileno = _proto("usctp_fileno", _i64, _vp, _int)
_c_close = _proto("usctp_close", _i64, _vp, _int)
_c_send = _proto("usctp_send", _i64, _cp, _int, _cp, _int, _u32, _u32, _int, _u32, _u32, _u32, _int, _vp, _int)
_c_recv = _proto("usctp_recv", _i64, _vp, _int, _vp, _int, _int, _vp, _int)
_c_op = _proto("usctp_op", _i64, _cp, _cp, _vp, _int, _int, _vp, _int)
_c_exit = _proto("usctp_exit", _int)

_ERRLEN = 512
# A blocking receive or accept waits in slices of this length, so that
# Python handles signals (KeyboardInterrupt) while it waits.
_SLICE_MS = 250
_LITTLE = sys.byteorder == "little"


def _raise(buf):
    text = buf.value.decode("utf-8", "replace")
    code, _, msg = text.partition(": ")
    if code == "timeout":
        raise socket.timeout("timed out")
    num = getattr(_errno, code, None)
    if num is None:
        num, msg = _errno.EIO, text
    raise OSError(num, msg or os.strerror(num))


def _check(rc, buf):
    if rc == -1:
        _raise(buf)
    return rc


# ---------------------------------------------------------------- registry

class _Entry(object):
    __slots__ = ("handle", "timeout", "family", "style")

    def __init__(self, handle, family, style):
        self.handle = handle
        self.timeout = None  # seconds; None blocks, 0 does not wait
        self.family = family
        self.style = style


_reg = {}
_reg_lock = threading.Lock()


def _entry(fd):
    if isinstance(fd, bool) or not isinstance(fd, int):
        raise TypeError("an integer descriptor is required, not %s" % type(fd).__name__)
    with _reg_lock:
        e = _reg.get(fd)
    if e is None:
        raise OSError(_errno.EBADF, "descriptor %d is not an open usctp socket" % fd)
    return e


def _timeout_ms(e):
    t = e.timeout
    if t is None:
        return -1
    if t <= 0:
        return 0
    return max(1, int(t * 1000 + 0.5))


def _register(handle, family, style):
    err = ctypes.create_string_buffer(_ERRLEN)
    fd = _c_fileno(handle, err, _ERRLEN)
    if fd < 0:
        _c_close(handle, None, 0)
        _raise(err)
    with _reg_lock:
        _reg[fd] = _Entry(handle, family, style)
    return fd


def _op(fd, op, args=None, timeout_ms=None):
    e = _entry(fd)
    if timeout_ms is None:
        timeout_ms = _timeout_ms(e)
    req = json.dumps(args or {}).encode()
    size = 4096
    while True:
        out = ctypes.create_string_buffer(size)
        err = ctypes.create_string_buffer(_ERRLEN)
        rc = _c_op(e.handle, op.encode(), req, out, size, timeout_ms, err, _ERRLEN)
        if rc <= -2:
            size = -rc - 2 + 1
            continue
        _check(rc, err)
        return json.loads(out.value.decode())


def _at_exit():
    """At interpreter exit, closes the sockets still open and gives their
    associations up to $USCTP_LINGER_MS (default 2000) ms to shut down
    gracefully: a kernel finishes that after the process exits, a
    userspace stack only while the process runs."""
    with _reg_lock:
        _reg.clear()
    try:
        linger = int(os.environ.get("USCTP_LINGER_MS", "2000"))
    except ValueError:
        linger = 2000
    _c_exit(max(0, linger))


atexit.register(_at_exit)

# ---------------------------------------------------------------- addresses

def _host(h, what):
    if not isinstance(h, str):
        raise TypeError("%s: host must be a str, not %s" % (what, type(h).__name__))
    if h == "":
        return h
    for fam in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(fam, h)
            return h
        except (OSError, ValueError):
            pass
    raise ValueError("%s: %r is not a numeric IPv4 or IPv6 address" % (what, h))


def _sockaddr(a, what="address"):
    """Checks a pysctp address: an exact (numeric host, port) 2-tuple."""
    if not isinstance(a, tuple) or len(a) != 2:
        raise TypeError("%s must be a (host, port) tuple" % what)
    h, p = a
    if isinstance(p, bool) or not isinstance(p, int):
        raise TypeError("%s: port must be an int" % what)
    if not 0 <= p <= 65535:
        raise OverflowError("%s: port must be 0-65535" % what)
    return [_host(h, what), p]


def _sockaddrs(l, what="address list"):
    if isinstance(l, (str, bytes)) or not hasattr(l, "__iter__"):
        raise TypeError("%s must be a sequence of (host, port) tuples" % what)
    out = [_sockaddr(a) for a in l]
    if not out:
        raise ValueError("%s is empty" % what)
    return out


def _addr_out(a):
    return None if a is None else (a[0], a[1])


def _u32arg(v, what):
    if isinstance(v, bool) or not isinstance(v, int):
        raise TypeError("%s must be an int" % what)
    if not -(1 << 31) <= v < (1 << 32):
        raise OverflowError("%s out of 32-bit range" % what)
    return v & 0xFFFFFFFF


def _swap(v):
    """pysctp 0.7.1 hands PPIDs and adaptation indications to the kernel
    unconverted, so on little-endian hosts scripts pass and receive them
    in network byte order; this keeps that contract over a stack that
    takes host order."""
    return socket.ntohl(v & 0xFFFFFFFF) if _LITTLE else v


# ---------------------------------------------------------------- constants

_constants = {
    "BINDX_ADD": 1, "BINDX_REMOVE": 2, "SOL_SCTP": 132, "IPPROTO_SCTP": 132,
    "SOCK_SEQPACKET": 5, "SOCK_STREAM": 1,
    "MSG_UNORDERED": 1, "MSG_ADDR_OVER": 2, "MSG_SENDALL": 0, "MSG_ABORT": 4, "MSG_EOF": 512,
    "MSG_EOR": 128, "MSG_FIN": 512, "MSG_DONTROUTE": 4, "MSG_NOTIFICATION": 0x8000,
    "SCTP_COMM_UP": 0, "SCTP_COMM_LOST": 1, "SCTP_RESTART": 2, "SCTP_SHUTDOWN_COMP": 3,
    "SCTP_CANT_STR_ASSOC": 4,
    "SCTP_DATA_UNSENT": 0, "SCTP_DATA_SENT": 1, "SCTP_PARTIAL_DELIVERY_ABORTED": 0,
    "SPP_HB_ENABLED": 1, "SPP_HB_DISABLED": 2, "SPP_PMTUD_ENABLED": 8, "SPP_PMTUD_DISABLED": 16,
    "SPP_SACKDELAY_ENABLED": 32, "SPP_SACKDELAY_DISABLED": 64,
    # Linux's enum sctp_sn_error (pysctp 0.7.1 had other values, its bug B7).
    "SCTP_FAILED_THRESHOLD": 0, "SCTP_RECEIVED_SACK": 1, "SCTP_HEARTBEAT_SUCCESS": 2,
    "SCTP_RESPONSE_TO_USER_REQ": 3, "SCTP_INTERNAL_ERROR": 4, "SCTP_SHUTDOWN_GUARD_EXPIRES": 5,
    "SCTP_PEER_FAULTY": 6,
    "SCTP_ADDR_AVAILABLE": 0, "SCTP_ADDR_UNREACHABLE": 1, "SCTP_ADDR_REMOVED": 2,
    "SCTP_ADDR_ADDED": 3, "SCTP_ADDR_MADE_PRIM": 4, "SCTP_ADDR_CONFIRMED": 5,
    "SCTP_INACTIVE": 0, "SCTP_PF": 1, "SCTP_ACTIVE": 2, "SCTP_UNCONFIRMED": 3,
    "SCTP_EMPTY": 0, "SCTP_CLOSED": 1, "SCTP_COOKIE_WAIT": 2, "SCTP_COOKIE_ECHOED": 3,
    "SCTP_ESTABLISHED": 4, "SCTP_SHUTDOWN_PENDING": 5, "SCTP_SHUTDOWN_SENT": 6,
    "SCTP_SHUTDOWN_RECEIVED": 7, "SCTP_SHUTDOWN_ACK_SENT": 8, "SCTP_BOUND": 9, "SCTP_LISTEN": 10,
    "SCTP_SN_TYPE_BASE": 32768, "SCTP_ASSOC_CHANGE": 32769, "SCTP_PEER_ADDR_CHANGE": 32770,
    "SCTP_SEND_FAILED": 32771, "SCTP_REMOTE_ERROR": 32772, "SCTP_SHUTDOWN_EVENT": 32773,
    "SCTP_PARTIAL_DELIVERY_EVENT": 32774, "SCTP_ADAPTATION_INDICATION": 32775,
}


def getconstant(name):
    """Returns the value of a named SCTP constant (Linux values)."""
    if not isinstance(name, str):
        raise TypeError("getconstant() argument must be str, not %s" % type(name).__name__)
    try:
        return _constants[name]
    except KeyError:
        raise ValueError("unknown SCTP constant %r" % name) from None


def error_out():
    """pysctp's placeholder test function: always raises."""
    raise RuntimeError("error_out: nothing to report")


def have_sctp_multibuf():
    return True


def have_sctp_noconnect():
    return True  # one-to-many sockets set associations up on the first send


def have_sctp_sat_network():
    return False


def have_sctp_setprimary():
    return True


def have_sctp_prsctp():
    return True  # RFC 3758 timed reliability (timetolive)


def have_sctp_addip():
    return False  # no ASCONF (RFC 5061)


# ---------------------------------------------------------------- usctp's own

def usctp_configure(local_port=None, remote_port=None, local_addr=None):
    """Sets the UDP encapsulation ports (RFC 6951) of this process's stack
    before its first socket: local_port is the UDP port it binds (default
    $USCTP_UDP_PORT, else 9899, else an ephemeral port if 9899 is taken),
    remote_port the UDP port it sends to for peers it has not heard from
    (default $USCTP_REMOTE_UDP_PORT, else 9899), local_addr the local IP
    of the UDP socket (default $USCTP_UDP_ADDR, else all)."""
    for v, what in ((local_port, "local_port"), (remote_port, "remote_port")):
        if v is not None and (isinstance(v, bool) or not isinstance(v, int)):
            raise TypeError("%s must be an int" % what)
        if v is not None and not 0 <= v <= 65535:
            raise ValueError("%s must be 0-65535" % what)
    if local_addr is not None:
        _host(local_addr, "local_addr")
    err = ctypes.create_string_buffer(_ERRLEN)
    _check(_c_configure(-1 if local_port is None else local_port, -1 if remote_port is None else remote_port,
                        None if local_addr is None else local_addr.encode(), err, _ERRLEN), err)


def usctp_local_udp_port():
    """Starts the stack if needed and returns its local UDP port."""
    err = ctypes.create_string_buffer(_ERRLEN)
    return _check(_c_local_port(err, _ERRLEN), err)


def usctp_socket(family, style):
    """Opens an SCTP socket; returns its descriptor."""
    err = ctypes.create_string_buffer(_ERRLEN)
    h = _check(_c_socket(family, style, err, _ERRLEN), err)
    return _register(h, family, style)


def usctp_close(fd):
    with _reg_lock:
        e = _reg.pop(fd, None)
    if e is None:
        return
    err = ctypes.create_string_buffer(_ERRLEN)
    _check(_c_close(e.handle, err, _ERRLEN), err)


def usctp_settimeout(fd, t):
    _entry(fd).timeout = t


def usctp_gettimeout(fd):
    return _entry(fd).timeout


def usctp_op(fd, op, args=None, timeout_ms=None):
    return _op(fd, op, args, timeout_ms)


def usctp_accept(fd):
    e = _entry(fd)
    while True:
        tmo = _timeout_ms(e)
        try:
            r = _op(fd, "accept", timeout_ms=_SLICE_MS if tmo < 0 else tmo)
            break
        except socket.timeout:
            if tmo >= 0:
                raise
            # blocking: waits in slices so that Ctrl-C (signals) gets through
    with _reg_lock:
        _reg[r["fd"]] = _Entry(r["handle"], e.family, 1)
    return r["fd"], _addr_out(r["addr"])


def usctp_set_remote_udp_port(fd, assoc_id, addr, port):
    _op(fd, "set_remote_udp_port", {"assoc_id": assoc_id, "addr": _sockaddr(addr), "port": port})


def usctp_get_remote_udp_port(fd, assoc_id=0, addr=("", 0)):
    return _op(fd, "get_remote_udp_port", {"assoc_id": assoc_id, "addr": _sockaddr(addr)})


# ---------------------------------------------------------------- pysctp's

def bindx(fd, sockaddrs, action):
    _op(fd, "bindx", {"addrs": _sockaddrs(sockaddrs), "action": action})


def connectx(fd, sockaddrs, assoc_id=None):
    if assoc_id is not None and not isinstance(assoc_id, dict):
        raise TypeError("connectx: the third argument must be a dict or None")
    r = _op(fd, "connectx", {"addrs": _sockaddrs(sockaddrs)})
    if assoc_id is not None:
        assoc_id["assoc_id"] = r["assoc_id"]


def getpaddrs(fd, assoc_id):
    return tuple(_addr_out(a) for a in _op(fd, "getpaddrs", {"assoc_id": assoc_id})["addrs"])


def getladdrs(fd, assoc_id):
    return tuple(_addr_out(a) for a in _op(fd, "getladdrs", {"assoc_id": assoc_id})["addrs"])


def peeloff(fd, assoc_id):
    e = _entry(fd)
    r = _op(fd, "peeloff", {"assoc_id": _u32arg(assoc_id, "assoc_id")})
    with _reg_lock:
        _reg[r["fd"]] = _Entry(r["handle"], e.family, 1)
    return r["fd"]


def sctp_send_msg(fd, msg, to, ppid, flags, stream, ttl, context, assoc_id=0):
    e = _entry(fd)
    if isinstance(msg, str):
        msg = msg.encode("utf-8")
    elif isinstance(msg, (bytearray, memoryview)):
        msg = bytes(msg)
    elif not isinstance(msg, bytes):
        raise TypeError("msg must be bytes or str, not %s" % type(msg).__name__)
    if not isinstance(to, tuple) or len(to) != 2:
        raise TypeError("to must be a (host, port) tuple")
    host, port = _sockaddr(to, "to")
    ppid = _swap(_u32arg(ppid, "ppid"))
    flags = _u32arg(flags, "flags") & 0xFFFF
    stream = _u32arg(stream, "stream") & 0xFFFF
    ttl = _u32arg(ttl, "timetolive")
    context = _u32arg(context, "context")
    err = ctypes.create_string_buffer(_ERRLEN)
    rc = _c_send(e.handle, msg, len(msg), host.encode() if host else None, port, ppid, flags, stream, ttl,
                 context, _u32arg(assoc_id, "assoc_id"), _timeout_ms(e), err, _ERRLEN)
    return _check(rc, err)


def _fix_info(d):
    if d:
        d = dict(d)
        d["ppid"] = _swap(d.get("ppid", 0))
    return d


def sctp_recv_msg(fd, maxlen):
    e = _entry(fd)
    if isinstance(maxlen, bool) or not isinstance(maxlen, int):
        raise TypeError("maxlen must be an int")
    if maxlen <= 0:
        raise ValueError("maxlen must be positive")
    if maxlen > (1 << 30):
        raise OverflowError("maxlen too large")
    buf = ctypes.create_string_buffer(maxlen)
    metalen = 8192
    tmo = _timeout_ms(e)
    while True:
        meta = ctypes.create_string_buffer(metalen)
        err = ctypes.create_string_buffer(_ERRLEN)
        n = _c_recv(e.handle, buf, maxlen, meta, metalen, _SLICE_MS if tmo < 0 else tmo, err, _ERRLEN)
        if n <= -2:
            metalen = -n - 2 + 1
            continue
        if n == -1 and tmo < 0 and err.value.startswith(b"timeout"):
            continue  # blocking: wait in slices so that Ctrl-C (signals) gets through
        _check(n, err)
        break
    m = json.loads(meta.value.decode())
    if m.get("eof"):
        return (None, 0, b"", {})
    fromaddr = _addr_out(m.get("from"))
    flags = m["flags"]
    if "notif" in m:
        nt = m["notif"]
        if nt.pop("data_in_buf", False):
            nt["data"] = buf.raw[:n]
        elif "data" in nt:
            nt["data"] = base64.b64decode(nt["data"] or "")
        if "_info" in nt:
            nt["_info"] = _fix_info(nt["_info"])
        if "adaptation_ind" in nt:
            nt["adaptation_ind"] = _swap(nt["adaptation_ind"])
        return (fromaddr, flags, None, nt)
    return (fromaddr, flags, buf.raw[:n], _fix_info(m["info"]))


def _one_to_one_id(e, assoc_id, what):
    # pysctp's rule for calls that name one association: 0 on one-to-one
    # sockets, non-zero on one-to-many ones.
    if e.style == 1 and assoc_id != 0:
        raise ValueError("%s: assoc_id must be 0 on a one-to-one (TCP-style) socket" % what)
    if e.style != 1 and assoc_id == 0:
        raise ValueError("%s: assoc_id must not be 0 on a one-to-many (UDP-style) socket" % what)


def set_peer_primary(fd, assoc_id, addr):
    _op(fd, "set_peer_primary", {"assoc_id": assoc_id, "addr": _sockaddr(addr)})


def set_primary(fd, assoc_id, addr):
    _op(fd, "set_primary", {"assoc_id": assoc_id, "addr": _sockaddr(addr)})


def _getter(op):
    def get(fd):
        return _op(fd, op)
    get.__name__ = op
    return get


def _setter(op):
    def set_(fd, v):
        if isinstance(v, dict):
            _op(fd, op, {"v": v})
            return
        if isinstance(v, bool):
            v = int(v)
        if not isinstance(v, int):
            raise TypeError("%s: an int is required, not %s" % (op, type(v).__name__))
        _op(fd, op, {"v": v})
    set_.__name__ = op
    return set_


for _n in ("autoclose", "initparams", "nodelay", "adaptation", "sndbuf", "rcvbuf", "disable_fragments",
           "events", "mappedv4", "maxseg"):
    globals()["get_" + _n] = _getter("get_" + _n)
    globals()["set_" + _n] = _setter("set_" + _n)
del _n


def get_adaptation(fd):  # noqa: F811 (raw order, as pysctp)
    return _swap(_op(fd, "get_adaptation"))


def set_adaptation(fd, v):  # noqa: F811
    _op(fd, "set_adaptation", {"v": _swap(_u32arg(v, "adaptation"))})


def _dict(d, what):
    if not isinstance(d, dict):
        raise TypeError("%s: a dict is required, not %s" % (what, type(d).__name__))
    return d


def _fill(d, r):
    for k, v in r.items():
        if k in ("sockaddr", "addr"):
            v = _addr_out(v)
        d[k] = v


def set_sndbuf(fd, v):  # noqa: F811
    """Sets SO_SNDBUF to twice v, as Linux does (pysctp halves first)."""
    if isinstance(v, bool) or not isinstance(v, int):
        raise TypeError("set_sndbuf: an int is required")
    _op(fd, "set_sndbuf", {"v": 2 * v})


def set_rcvbuf(fd, v):  # noqa: F811
    """Sets SO_RCVBUF to twice v, as Linux does."""
    if isinstance(v, bool) or not isinstance(v, int):
        raise TypeError("set_rcvbuf: an int is required")
    _op(fd, "set_rcvbuf", {"v": 2 * v})


def get_status(fd, d, primary):
    """Fills d (assoc_id given) with SCTP_STATUS and primary with the
    primary path's paddrinfo, as pysctp's C layer did."""
    _dict(d, "get_status")
    _dict(primary, "get_status")
    r = _op(fd, "get_status", {"assoc_id": d.get("assoc_id", 0)})
    p = r.pop("primary")
    _fill(d, r)
    _fill(primary, p)


def get_paddrinfo(fd, d):
    _dict(d, "get_paddrinfo")
    _fill(d, _op(fd, "get_paddrinfo", {"assoc_id": d.get("assoc_id", 0),
                                       "addr": _sockaddr(d.get("sockaddr"), "sockaddr")}))


def get_rtoinfo(fd, d):
    _dict(d, "get_rtoinfo")
    _fill(d, _op(fd, "get_rtoinfo", {"assoc_id": d.get("assoc_id", 0)}))


def set_rtoinfo(fd, d):
    _dict(d, "set_rtoinfo")
    _op(fd, "set_rtoinfo", {"assoc_id": d.get("assoc_id", 0), "v": {
        "initial": d.get("initial", 0), "max": d.get("max", 0), "min": d.get("min", 0)}})


def get_assocparams(fd, d):
    _dict(d, "get_assocparams")
    _fill(d, _op(fd, "get_assocparams", {"assoc_id": d.get("assoc_id", 0)}))


def set_assocparams(fd, d):
    _dict(d, "set_assocparams")
    _op(fd, "set_assocparams", {"assoc_id": d.get("assoc_id", 0), "v": {
        "assocmaxrxt": d.get("assocmaxrxt", 0), "cookie_life": d.get("cookie_life", 0)}})


def get_paddrparams(fd, d):
    _dict(d, "get_paddrparams")
    _fill(d, _op(fd, "get_paddrparams", {"assoc_id": d.get("assoc_id", 0),
                                         "addr": _sockaddr(d.get("sockaddr"), "sockaddr")}))


def set_paddrparams(fd, d):
    _dict(d, "set_paddrparams")
    _op(fd, "set_paddrparams", {"assoc_id": d.get("assoc_id", 0), "addr": _sockaddr(d.get("sockaddr"), "sockaddr"),
                                "v": {k: d.get(k, 0) for k in ("hbinterval", "pathmaxrxt", "pathmtu",
                                                                 "sackdelay", "flags")}})


def _sockaddr_test(addr):
    """pysctp's debug helper: checks an address and prints it."""
    a = _sockaddr(addr)
    print("sockaddr test: %s port %d" % (a[0] or "(wildcard)", a[1]))
    return tuple(a)
