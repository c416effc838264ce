"""SCTP for Python on usctp, the userspace SCTP stack over UDP
(RFC 9260 over RFC 6951 UDP encapsulation): pysctp 0.7.1's ``sctp``
module, so scripts written for pysctp run unchanged where the kernel has
no SCTP (macOS, Windows, containers).

Classes and functions have pysctp's names and behaviour:
``sctpsocket_tcp`` (one-to-one) and ``sctpsocket_udp`` (one-to-many)
with ``bindx``, ``connectx``, ``sctp_send``, ``sctp_recv``, ``peeloff``,
``getpaddrs``, ``getladdrs``, the option properties and objects, the
``events`` subscription and the notification classes. An SCTP socket
contains a socket-like object (``sock()``) and forwards unknown
attributes to it (bind, listen, connect, close, fileno, settimeout ...).
``fileno()`` is a descriptor that select/poll/selectors report readable
while a message, a notification or an association to accept waits.

UDP encapsulation: this process's stack binds UDP port 9899 (or an
ephemeral port if 9899 is taken) and sends to UDP port 9899 of peers it
has not heard from; change that with the environment variables
USCTP_UDP_PORT, USCTP_REMOTE_UDP_PORT, USCTP_UDP_ADDR or with
``configure()`` before the first socket. python/README.md lists every
difference from pysctp 0.7.1.
"""

import datetime
import errno
import os
import socket
import sys
import time

import _sctp

# ---------------------------------------------------------------- constants

BINDX_ADD = _sctp.getconstant("BINDX_ADD")
BINDX_REMOVE = _sctp.getconstant("BINDX_REMOVE")
BINDX_REM = BINDX_REMOVE

MSG_UNORDERED = _sctp.getconstant("MSG_UNORDERED")
MSG_ADDR_OVER = _sctp.getconstant("MSG_ADDR_OVER")
MSG_ABORT = _sctp.getconstant("MSG_ABORT")
MSG_EOF = _sctp.getconstant("MSG_EOF")
MSG_FIN = _sctp.getconstant("MSG_FIN")
MSG_SENDALL = _sctp.getconstant("MSG_SENDALL")
MSG_ADDR_OVERRIDE = MSG_ADDR_OVER

FLAG_NOTIFICATION = _sctp.getconstant("MSG_NOTIFICATION")
FLAG_EOR = _sctp.getconstant("MSG_EOR")
FLAG_DONTROUTE = _sctp.getconstant("MSG_DONTROUTE")

HAVE_SCTP = 1
HAVE_KERNEL_SCTP = 2
HAVE_SCTP_MULTIBUF = 4
HAVE_SCTP_NOCONNECT = 8
HAVE_SCTP_PRSCTP = 16
HAVE_SCTP_ADDIP = 32
HAVE_SCTP_CANSET_PRIMARY = 64
HAVE_SCTP_SAT_NETWORK_CAPABILITY = 128

SOL_SCTP = _sctp.getconstant("SOL_SCTP")
IPPROTO_SCTP = _sctp.getconstant("IPPROTO_SCTP")
SOCK_SEQPACKET = _sctp.getconstant("SOCK_SEQPACKET")
SOCK_STREAM = _sctp.getconstant("SOCK_STREAM")
TCP_STYLE = STYLE_TCP = SOCK_STREAM
UDP_STYLE = STYLE_UDP = SOCK_SEQPACKET


# ---------------------------------------------------------------- usctp

def configure(local_port=None, remote_port=None, local_addr=None):
    """usctp only: sets this process's UDP encapsulation ports before the
    first socket is created. local_port: the UDP port the stack binds
    (default $USCTP_UDP_PORT, else 9899, else ephemeral if 9899 is taken;
    0 = ephemeral). remote_port: the UDP port of peers not heard from yet
    (default $USCTP_REMOTE_UDP_PORT, else 9899). local_addr: the local IP
    of the UDP socket (default $USCTP_UDP_ADDR, else every address)."""
    _sctp.usctp_configure(local_port, remote_port, local_addr)


def local_udp_port():
    """usctp only: the UDP port this process's stack receives on (starts
    the stack if needed). Peers must send to it."""
    return _sctp.usctp_local_udp_port()


# ---------------------------------------------------------------- structures

class initmsg(object):
    """INIT parameters of one association (kept for pysctp parity; no call
    takes it, as in pysctp)."""

    def __init__(self):
        self.num_ostreams = 0
        self.max_instreams = 0
        self.max_attempts = 0
        self.max_init_timeo = 0


class initparams(object):
    """Default INIT parameters of new associations of a socket: the
    num_ostreams, max_instreams, max_attempts and max_init_timeo
    (milliseconds) properties. Assigning one writes all four to the stack
    unless autoflush is False (then flush() does)."""

    def __init__(self, container):
        self.autoflush = True
        self.container = container
        self._num_ostreams = self._max_instreams = 0
        self._max_attempts = self._max_init_timeo = 0
        self.__dict__.update(self.container._get_initparams())

    def flush(self):
        """Writes the four parameters to the stack."""
        self.container._set_initparams({"_num_ostreams": self._num_ostreams,
                                        "_max_instreams": self._max_instreams,
                                        "_max_attempts": self._max_attempts,
                                        "_max_init_timeo": self._max_init_timeo})

    def initmsg(self):
        """Returns an initmsg object holding the current values."""
        m = initmsg()
        m.num_ostreams = self._num_ostreams
        m.max_instreams = self._max_instreams
        m.max_attempts = self._max_attempts
        m.max_init_timeo = self._max_init_timeo
        return m

    def _set(self, key, v):
        self.__dict__[key] = v
        if self.autoflush:
            self.flush()

    def get_num_ostreams(self):
        return self._num_ostreams

    def set_num_ostreams(self, v):
        self._set("_num_ostreams", v)

    def get_max_instreams(self):
        return self._max_instreams

    def set_max_instreams(self, v):
        self._set("_max_instreams", v)

    def get_max_attempts(self):
        return self._max_attempts

    def set_max_attempts(self, v):
        self._set("_max_attempts", v)

    def get_max_init_timeo(self):
        return self._max_init_timeo

    def set_max_init_timeo(self, v):
        self._set("_max_init_timeo", v)

    num_ostreams = property(get_num_ostreams, set_num_ostreams)
    max_instreams = property(get_max_instreams, set_max_instreams)
    max_attempts = property(get_max_attempts, set_max_attempts)
    max_init_timeo = property(get_max_init_timeo, set_max_init_timeo)


class sndrcvinfo(object):
    """Metadata of a received message: stream, ssn, flags (MSG_* bits),
    ppid (raw, network byte order on little-endian hosts, as pysctp 0.7.1),
    context, timetolive, tsn, cumtsn, assoc_id."""

    def __init__(self, values=None):
        self.stream = 0
        self.ssn = 0
        self.flags = 0
        self.context = 0
        self.timetolive = 0
        self.tsn = 0
        self.cumtsn = 0
        self.assoc_id = 0
        if values:
            self.__dict__.update(values)


class notification(object):
    """Base of the notification classes; an object of this class itself is
    a notification type this module does not know. type, flags, length."""

    def __init__(self, values):
        self.type = 0
        self.flags = 0
        if values:
            self.__dict__.update(values)

    type_SN_TYPE_BASE = _sctp.getconstant("SCTP_SN_TYPE_BASE")
    type_ASSOC_CHANGE = _sctp.getconstant("SCTP_ASSOC_CHANGE")
    type_PEER_ADDR_CHANGE = _sctp.getconstant("SCTP_PEER_ADDR_CHANGE")
    type_SEND_FAILED = _sctp.getconstant("SCTP_SEND_FAILED")
    type_REMOTE_ERROR = _sctp.getconstant("SCTP_REMOTE_ERROR")
    type_SHUTDOWN_EVENT = _sctp.getconstant("SCTP_SHUTDOWN_EVENT")
    type_PARTIAL_DELIVERY_EVENT = _sctp.getconstant("SCTP_PARTIAL_DELIVERY_EVENT")
    type_ADAPTATION_INDICATION = _sctp.getconstant("SCTP_ADAPTATION_INDICATION")


class assoc_change(notification):
    """An association came up, was lost, restarted, shut down or could not
    start: state, error, outbound_streams, inbound_streams, assoc_id."""

    def __init__(self, values=None):
        self.state = 0
        self.error = 0
        self.outbound_streams = 0
        self.inbound_streams = 0
        self.assoc_id = 0
        notification.__init__(self, values)

    state_COMM_UP = _sctp.getconstant("SCTP_COMM_UP")
    state_COMM_LOST = _sctp.getconstant("SCTP_COMM_LOST")
    state_RESTART = _sctp.getconstant("SCTP_RESTART")
    state_SHUTDOWN_COMP = _sctp.getconstant("SCTP_SHUTDOWN_COMP")
    state_CANT_STR_ASSOC = _sctp.getconstant("SCTP_CANT_STR_ASSOC")
    state_CANT_START_ASSOCIATION = state_CANT_STR_ASSOC

    error_FAILED_THRESHOLD = _sctp.getconstant("SCTP_FAILED_THRESHOLD")
    error_RECEIVED_SACK = _sctp.getconstant("SCTP_RECEIVED_SACK")
    error_HEARTBEAT_SUCCESS = _sctp.getconstant("SCTP_HEARTBEAT_SUCCESS")
    error_RESPONSE_TO_USER_REQ = _sctp.getconstant("SCTP_RESPONSE_TO_USER_REQ")
    error_INTERNAL_ERROR = _sctp.getconstant("SCTP_INTERNAL_ERROR")
    error_SHUTDOWN_GUARD_EXPIRES = _sctp.getconstant("SCTP_SHUTDOWN_GUARD_EXPIRES")
    error_PEER_FAULTY = _sctp.getconstant("SCTP_PEER_FAULTY")


class paddr_change(notification):
    """A peer address changed state: addr, state, error, assoc_id."""

    def __init__(self, values=None):
        self.addr = None
        self.state = 0
        self.error = 0
        self.assoc_id = 0
        notification.__init__(self, values)

    state_ADDR_AVAILABLE = _sctp.getconstant("SCTP_ADDR_AVAILABLE")
    state_ADDR_UNREACHABLE = _sctp.getconstant("SCTP_ADDR_UNREACHABLE")
    state_ADDR_REMOVED = _sctp.getconstant("SCTP_ADDR_REMOVED")
    state_ADDR_ADDED = _sctp.getconstant("SCTP_ADDR_ADDED")
    state_ADDR_MADE_PRIM = _sctp.getconstant("SCTP_ADDR_MADE_PRIM")
    state_ADDR_CONFIRMED = _sctp.getconstant("SCTP_ADDR_CONFIRMED")

    error_FAILED_THRESHOLD = assoc_change.error_FAILED_THRESHOLD
    error_RECEIVED_SACK = assoc_change.error_RECEIVED_SACK
    error_HEARTBEAT_SUCCESS = assoc_change.error_HEARTBEAT_SUCCESS
    error_RESPONSE_TO_USER_REQ = assoc_change.error_RESPONSE_TO_USER_REQ
    error_INTERNAL_ERROR = assoc_change.error_INTERNAL_ERROR
    error_SHUTDOWN_GUARD_EXPIRES = assoc_change.error_SHUTDOWN_GUARD_EXPIRES
    error_PEER_FAULTY = assoc_change.error_PEER_FAULTY


class remote_error(notification):
    """The peer sent an ERROR chunk: error (cause code), assoc_id, data
    (the rest of the chunk, bytes)."""

    def __init__(self, values=None):
        self.error = 0
        self.assoc_id = 0
        self.data = b""
        notification.__init__(self, values)


class send_failed(notification):
    """A message could not be delivered: error, assoc_id, data (the
    message, bytes), info (a sndrcvinfo: stream, ppid, context ...);
    flags is flag_DATA_SENT if it was ever sent, else flag_DATA_UNSENT."""

    def __init__(self, values=None):
        self.error = 0
        self.assoc_id = 0
        self.data = b""
        self._info = None
        notification.__init__(self, values)
        self.info = sndrcvinfo(self._info)
        del self._info

    flag_DATA_UNSENT = _sctp.getconstant("SCTP_DATA_UNSENT")
    flag_DATA_SENT = _sctp.getconstant("SCTP_DATA_SENT")


class shutdown_event(notification):
    """The peer started a graceful shutdown: assoc_id."""

    def __init__(self, values=None):
        self.assoc_id = 0
        notification.__init__(self, values)


class adaptation_event(notification):
    """The peer's Adaptation Layer Indication: adaptation_ind (raw, network
    byte order on little-endian hosts, as pysctp 0.7.1), assoc_id."""

    def __init__(self, values=None):
        self.adaptation_ind = 0
        self.assoc_id = 0
        notification.__init__(self, values)


class pdapi_event(notification):
    """Partial delivery of a message was aborted: indication, assoc_id."""

    def __init__(self, values=None):
        self.indication = 0
        self.assoc_id = 0
        notification.__init__(self, values)

    indication_PD_ABORTED = _sctp.getconstant("SCTP_PARTIAL_DELIVERY_ABORTED")
    indication_PARTIAL_DELIVERY_ABORTED = indication_PD_ABORTED


notification_table = {
    notification.type_ASSOC_CHANGE: assoc_change,
    notification.type_PEER_ADDR_CHANGE: paddr_change,
    notification.type_SEND_FAILED: send_failed,
    notification.type_REMOTE_ERROR: remote_error,
    notification.type_SHUTDOWN_EVENT: shutdown_event,
    notification.type_PARTIAL_DELIVERY_EVENT: pdapi_event,
    notification.type_ADAPTATION_INDICATION: adaptation_event,
}


def notification_factory(raw_notification):
    """Builds the notification object of a raw dict (from _sctp). An
    unknown type gives a plain notification object and a warning on
    stderr; a dict without "type" raises ValueError."""
    try:
        num_type = raw_notification["type"]
    except (KeyError, TypeError):
        raise ValueError("notification dict has no 'type' key")
    cls = notification_table.get(num_type)
    if cls is None:
        print("Warning: an unknown notification event (value %d) has arrived" % num_type, file=sys.stderr)
        return notification(raw_notification)
    return cls(raw_notification)


class event_subscribe(object):
    """The events a socket's sctp_recv returns (the "events" attribute):
    data_io (sndrcvinfo filled in), association, address, send_failure,
    peer_error, shutdown, partial_delivery, adaptation_layer, and the
    aliases dataio, sndrcvinfo, sendfailure, peererror, partialdelivery,
    adaptationlayer. Assigning one writes all eight to the stack unless
    autoflush is False (then flush() does). clear() turns all off except
    data_io."""

    _keys = ("_data_io", "_association", "_address", "_send_failure", "_peer_error", "_shutdown",
             "_partial_delivery", "_adaptation_layer")

    def __init__(self, container):
        self.autoflush = False
        self.clear()
        self.autoflush = True
        self.container = container
        self.__dict__.update(self.container._get_events())

    def flush(self):
        """Writes the eight flags to the stack."""
        self.container._set_events({k: self.__dict__[k] for k in self._keys})

    def clear(self):
        """All events off except data_io (flushed if autoflush)."""
        self._data_io = 1
        for k in self._keys[1:]:
            self.__dict__[k] = 0
        if self.autoflush:
            self.flush()

    def _set(self, key, value):
        self.__dict__[key] = value
        if self.autoflush:
            self.flush()

    def get_adaptation_layer(self):
        return self._adaptation_layer

    def get_partial_delivery(self):
        return self._partial_delivery

    def get_shutdown(self):
        return self._shutdown

    def get_peer_error(self):
        return self._peer_error

    def get_send_failure(self):
        return self._send_failure

    def get_address(self):
        return self._address

    def get_association(self):
        return self._association

    def get_data_io(self):
        return self._data_io

    def set_adaptation_layer(self, value):
        self._set("_adaptation_layer", value)

    def set_partial_delivery(self, value):
        self._set("_partial_delivery", value)

    def set_shutdown(self, value):
        self._set("_shutdown", value)

    def set_peer_error(self, value):
        self._set("_peer_error", value)

    def set_send_failure(self, value):
        self._set("_send_failure", value)

    def set_address(self, value):
        self._set("_address", value)

    def set_association(self, value):
        self._set("_association", value)

    def set_data_io(self, value):
        self._set("_data_io", value)

    data_io = property(get_data_io, set_data_io)
    dataio = data_io
    sndrcvinfo = data_io
    association = property(get_association, set_association)
    address = property(get_address, set_address)
    send_failure = property(get_send_failure, set_send_failure)
    sendfailure = send_failure
    peer_error = property(get_peer_error, set_peer_error)
    peererror = peer_error
    shutdown = property(get_shutdown, set_shutdown)
    partial_delivery = property(get_partial_delivery, set_partial_delivery)
    partialdelivery = partial_delivery
    adaptation_layer = property(get_adaptation_layer, set_adaptation_layer)
    adaptationlayer = adaptation_layer


class rtoinfo(object):
    """RTO bounds (ms): assoc_id, initial, max, min."""

    def __init__(self):
        self.assoc_id = 0
        self.initial = 0
        self.max = 0
        self.min = 0


class assocparams(object):
    """Association parameters: assoc_id, assocmaxrxt, cookie_life (ms);
    read-only number_peer_destinations, peer_rwnd, local_rwnd."""

    def __init__(self):
        self.assoc_id = 0
        self.assocmaxrxt = 0
        self.number_peer_destinations = 0
        self.peer_rwnd = 0
        self.local_rwnd = 0
        self.cookie_life = 0


class paddrparams(object):
    """Peer address parameters: assoc_id, sockaddr, hbinterval (ms),
    pathmaxrxt, pathmtu, sackdelay (ms), flags (flags_* bits)."""

    def __init__(self):
        self.assoc_id = 0
        self.sockaddr = ("", 0)
        self.hbinterval = 0
        self.pathmaxrxt = 0
        self.pathmtu = 0
        self.sackdelay = 0
        self.flags = 0

    flags_HB_DISABLED = _sctp.getconstant("SPP_HB_DISABLED")
    flags_HB_ENABLED = _sctp.getconstant("SPP_HB_ENABLED")
    flags_PMTUD_DISABLED = _sctp.getconstant("SPP_PMTUD_DISABLED")
    flags_PMTUD_ENABLED = _sctp.getconstant("SPP_PMTUD_ENABLED")
    flags_SACKDELAY_DISABLED = _sctp.getconstant("SPP_SACKDELAY_DISABLED")
    flags_SACKDELAY_ENABLED = _sctp.getconstant("SPP_SACKDELAY_ENABLED")
    flags_HB_DISABLE = flags_HB_DISABLED
    flags_HB_ENABLE = flags_HB_ENABLED
    flags_PMTUD_DISABLE = flags_PMTUD_DISABLED
    flags_PMTUD_ENABLE = flags_PMTUD_ENABLED
    flags_SACKDELAY_DISABLE = flags_SACKDELAY_DISABLED
    flags_SACKDELAY_ENABLE = flags_SACKDELAY_ENABLED


class paddrinfo(object):
    """Peer address information (read-only): assoc_id, sockaddr, state,
    cwnd, srtt (ms), rto (ms), mtu."""

    def __init__(self):
        self.assoc_id = 0
        self.sockaddr = ("", 0)
        self.state = 0
        self.cwnd = 0
        self.srtt = 0
        self.rto = 0
        self.mtu = 0

    state_INACTIVE = _sctp.getconstant("SCTP_INACTIVE")
    state_ACTIVE = _sctp.getconstant("SCTP_ACTIVE")
    state_PF = _sctp.getconstant("SCTP_PF")
    state_UNCONFIRMED = _sctp.getconstant("SCTP_UNCONFIRMED")


class status(object):
    """Association status (read-only): assoc_id, state, rwnd, unackdata,
    penddata, instrms, outstrms, fragmentation_point, primary (a
    paddrinfo)."""

    def __init__(self):
        self.assoc_id = 0
        self.state = 0
        self.rwnd = 0
        self.unackdata = 0
        self.penddata = 0
        self.instrms = 0
        self.outstrms = 0
        self.fragmentation_point = 0
        self.primary = paddrinfo()

    state_EMPTY = _sctp.getconstant("SCTP_EMPTY")
    state_CLOSED = _sctp.getconstant("SCTP_CLOSED")
    state_COOKIE_WAIT = _sctp.getconstant("SCTP_COOKIE_WAIT")
    state_COOKIE_ECHOED = _sctp.getconstant("SCTP_COOKIE_ECHOED")
    state_ESTABLISHED = _sctp.getconstant("SCTP_ESTABLISHED")
    state_SHUTDOWN_PENDING = _sctp.getconstant("SCTP_SHUTDOWN_PENDING")
    state_SHUTDOWN_SENT = _sctp.getconstant("SCTP_SHUTDOWN_SENT")
    state_SHUTDOWN_RECEIVED = _sctp.getconstant("SCTP_SHUTDOWN_RECEIVED")
    state_SHUTDOWN_ACK_SENT = _sctp.getconstant("SCTP_SHUTDOWN_ACK_SENT")
    state_BOUND = _sctp.getconstant("SCTP_BOUND")
    state_LISTEN = _sctp.getconstant("SCTP_LISTEN")


def features():
    """Bitmap of HAVE_* features of the stack."""
    flags = HAVE_SCTP | HAVE_KERNEL_SCTP
    if _sctp.have_sctp_multibuf():
        flags |= HAVE_SCTP_MULTIBUF
    if _sctp.have_sctp_noconnect():
        flags |= HAVE_SCTP_NOCONNECT
    if _sctp.have_sctp_prsctp():
        flags |= HAVE_SCTP_PRSCTP
    if _sctp.have_sctp_addip():
        flags |= HAVE_SCTP_ADDIP
    if _sctp.have_sctp_setprimary():
        flags |= HAVE_SCTP_CANSET_PRIMARY
    if _sctp.have_sctp_sat_network():
        flags |= HAVE_SCTP_SAT_NETWORK_CAPABILITY
    return flags


# ---------------------------------------------------------------- the socket

def _resolve(family, addr, what, connect=False):
    """A Python-socket-style address ((host, port) or, for AF_INET6,
    (host, port, flowinfo, scope_id); names resolved) as [numeric host,
    port]."""
    if not isinstance(addr, tuple) or len(addr) not in ((2,) if family == socket.AF_INET else (2, 3, 4)):
        raise TypeError("%s must be a (host, port) tuple" % what)
    host, port = addr[0], addr[1]
    if isinstance(host, bytes):
        host = host.decode("idna")
    if not isinstance(host, str):
        raise TypeError("%s: str, bytes or bytearray expected, not %s" % (what, type(host).__name__))
    if isinstance(port, bool) or not isinstance(port, int):
        raise TypeError("%s: 'port' must be an int" % what)
    if not 0 <= port <= 65535:
        raise OverflowError("%s: port must be 0-65535." % what)
    if host == "":
        if connect:  # as the kernel: connecting to the wildcard reaches this host
            return ["127.0.0.1" if family == socket.AF_INET else "::1", port]
        return ["", port]
    if host == "<broadcast>":
        raise OSError(errno.EINVAL, "SCTP has no broadcast")
    try:
        socket.inet_pton(family, host)
        return [host, port]
    except OSError:
        pass
    infos = socket.getaddrinfo(host, port, family, socket.SOCK_DGRAM)  # raises socket.gaierror
    return [infos[0][4][0], port]


class _usctpsock(object):
    """The socket an sctpsocket contains (pysctp wrapped a kernel socket):
    the ordinary socket methods over a usctp socket. fileno() is the
    readiness descriptor."""

    def __init__(self, family, type_, fd=None):
        if family not in (socket.AF_INET, getattr(socket, "AF_INET6", None)):
            raise OSError(errno.EAFNOSUPPORT, "Address family not supported by protocol")
        if type_ not in (SOCK_STREAM, SOCK_SEQPACKET):
            raise OSError(errno.ESOCKTNOSUPPORT, "Socket type not supported")
        self.family = family
        self.type = type_
        self.proto = IPPROTO_SCTP
        self._fd = _sctp.usctp_socket(family, type_) if fd is None else fd
        self._reuse = 0

    def __repr__(self):
        return "<usctp socket fd=%d, family=%s, type=%s>" % (self._fd, self.family, self.type)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def fileno(self):
        return self._fd

    def _live(self):
        if self._fd < 0:
            raise OSError(errno.EBADF, "Bad file descriptor")
        return self._fd

    def close(self):
        fd, self._fd = self._fd, -1
        if fd >= 0:
            _sctp.usctp_close(fd)

    def detach(self):
        raise OSError(errno.EOPNOTSUPP, "usctp sockets cannot be detached")

    def settimeout(self, value):
        if value is not None:
            value = float(value)
            if value < 0:
                raise ValueError("Timeout value out of range")
        _sctp.usctp_settimeout(self._live(), value)

    def gettimeout(self):
        return _sctp.usctp_gettimeout(self._live())

    def setblocking(self, flag):
        self.settimeout(None if flag else 0.0)

    def getblocking(self):
        return self.gettimeout() != 0.0

    def bind(self, address):
        _sctp.usctp_op(self._live(), "bind", {"addr": _resolve(self.family, address, "bind address")})

    def listen(self, backlog=0):
        _sctp.usctp_op(self._live(), "listen", {"backlog": max(0, int(backlog))})

    def connect(self, address):
        _sctp.usctp_op(self._live(), "connect", {"addr": _resolve(self.family, address, "address", True)})

    def connect_ex(self, address):
        try:
            self.connect(address)
        except socket.timeout:
            return errno.EAGAIN
        except OSError as e:
            if e.errno is None:
                raise
            return e.errno
        return 0

    def accept(self):
        fd, addr = _sctp.usctp_accept(self._live())
        s = _usctpsock(self.family, SOCK_STREAM, fd)
        s.settimeout(self.gettimeout())
        return s, (None if addr is None else self._fmt(addr))

    def shutdown(self, how):
        if how not in (socket.SHUT_RD, socket.SHUT_WR, socket.SHUT_RDWR):
            raise ValueError("invalid shutdown how")
        _sctp.usctp_op(self._live(), "shutdown", {"how": how})

    def getsockname(self):
        r = _sctp.usctp_op(self._live(), "getsockname")["addr"]
        if r is None:
            r = ("0.0.0.0" if self.family == socket.AF_INET else "::", 0)
        return self._fmt(r)

    def getpeername(self):
        return self._fmt(_sctp.usctp_op(self._live(), "getpeername")["addr"])

    def _fmt(self, a):
        if self.family == socket.AF_INET:
            return (a[0], a[1])
        return (a[0], a[1], 0, 0)

    # Plain send/recv carry no SCTP metadata (stream 0, PPID 0).
    def send(self, data, flags=0):
        return _sctp.sctp_send_msg(self._live(), data, ("", 0), 0, 0, 0, 0, 0)

    def sendall(self, data, flags=0):
        self.send(data, flags)

    def sendto(self, data, flags_or_addr, addr=None):
        if addr is None:
            addr = flags_or_addr
        a = _resolve(self.family, addr, "address")
        return _sctp.sctp_send_msg(self._live(), data, (a[0], a[1]), 0, 0, 0, 0, 0)

    def recvfrom(self, bufsize, flags=0):
        while True:
            fromaddr, fl, msg, _ = _sctp.sctp_recv_msg(self._live(), bufsize)
            if not fl & FLAG_NOTIFICATION:
                return msg, fromaddr

    def recv(self, bufsize, flags=0):
        return self.recvfrom(bufsize, flags)[0]

    def recv_into(self, buffer, nbytes=0, flags=0):
        n = nbytes or len(buffer)
        data = self.recv(n, flags)
        buffer[:len(data)] = data
        return len(data)

    def setsockopt(self, level, optname, value, optlen=None):
        fd = self._live()
        if level == socket.SOL_SOCKET:
            if optname == socket.SO_REUSEADDR or optname == getattr(socket, "SO_REUSEPORT", -1):
                self._reuse = int(value) if isinstance(value, int) else 1
                return  # SCTP ports of this stack are per process: nothing to do
            if optname == socket.SO_SNDBUF:
                return _sctp.set_sndbuf(fd, int(value))  # doubled, as Linux
            if optname == socket.SO_RCVBUF:
                return _sctp.set_rcvbuf(fd, int(value))
        raise OSError(errno.ENOPROTOOPT, "Protocol not available (usctp supports SO_REUSEADDR, SO_SNDBUF, "
                                         "SO_RCVBUF here; SCTP options through the sctpsocket methods)")

    def getsockopt(self, level, optname, buflen=None):
        fd = self._live()
        if level == socket.SOL_SOCKET:
            if optname == socket.SO_SNDBUF:
                return _sctp.get_sndbuf(fd)
            if optname == socket.SO_RCVBUF:
                return _sctp.get_rcvbuf(fd)
            if optname == socket.SO_TYPE:
                return self.type
            if optname == socket.SO_ERROR:
                return 0
            if optname == socket.SO_REUSEADDR:
                return self._reuse
        raise OSError(errno.ENOPROTOOPT, "Protocol not available")

    timeout = property(gettimeout)


class sctpsocket(object):
    """An SCTP socket (base class; use sctpsocket_tcp or sctpsocket_udp).
    family: socket.AF_INET or AF_INET6; style: TCP_STYLE or UDP_STYLE; sk:
    None (a new socket is opened) or the sock() of another sctpsocket.
    Unknown attributes go to the contained socket."""

    def __init__(self, family, style, sk):
        if not sk:
            sk = _usctpsock(family, style)
        elif not isinstance(sk, _usctpsock):
            raise TypeError("usctp cannot wrap %r: pass None (kernel SCTP sockets are not used)" % (sk,))
        self._style = style
        self._sk = sk
        self._family = family
        self._ttl = 0
        self._streamid = 0
        self.unexpected_event_raises_exception = False
        self.initparams = initparams(self)
        self.events = event_subscribe(self)
        self.datalogging = False

    def __repr__(self):
        return "<sctp.%s %r>" % (type(self).__name__, self._sk)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._sk.close()

    def bindx(self, sockaddrs, action=BINDX_ADD):
        """Binds to (action BINDX_ADD) or unbinds from (BINDX_REMOVE) a list
        of (numeric host, port) tuples, all with the same port."""
        _sctp.bindx(self._sk.fileno(), sockaddrs, action)

    def connectx(self, sockaddrs, assoc_id=None):
        """Connects to a peer known by several (numeric host, port)
        addresses; a dict passed as assoc_id receives the association id
        under "assoc_id"."""
        _sctp.connectx(self._sk.fileno(), sockaddrs, assoc_id)

    def getpaddrs(self, assoc_id=0):
        """The peer's addresses, a tuple of (host, port)."""
        return _sctp.getpaddrs(self._sk.fileno(), assoc_id)

    def getladdrs(self, assoc_id=0):
        """The local addresses, a tuple of (host, port)."""
        return _sctp.getladdrs(self._sk.fileno(), assoc_id)

    def sctp_send(self, msg, to=("", 0), ppid=None, flags=0, stream=None, timetolive=None, context=0,
                  record_file_prefix="RECORD_sctp_traffic", datalogging=False):
        """Sends one message with SCTP metadata; returns the bytes sent.
        to: (numeric host, port) of the peer (one-to-many), or ("", 0);
        ppid: raw 32-bit value as pysctp 0.7.1 (network byte order on
        little-endian hosts: socket.htonl(60) for NGAP); default the
        adaptation property; flags: MSG_UNORDERED, MSG_ADDR_OVER, MSG_ABORT,
        MSG_EOF; stream: default the streamid property; timetolive: ms,
        default the ttl property (0 = reliable); context: returned in
        send_failed. An empty msg is only valid with MSG_EOF or MSG_ABORT."""
        if ppid is None:
            ppid = self.adaptation
        if timetolive is None:
            timetolive = self._ttl
        if stream is None:
            stream = self._streamid
        if isinstance(msg, (bytes, bytearray, memoryview, str)) and len(msg) == 0 \
                and not (isinstance(flags, int) and flags & (MSG_EOF | MSG_ABORT)):
            raise ValueError("empty message (only valid with MSG_EOF or MSG_ABORT)")
        if datalogging or self.datalogging:
            stamp = datetime.datetime.now().strftime("%Y%m%d%H%M%S")
            base = "%s-%s-c2s." % (record_file_prefix, stamp)
            i = 1
            while os.path.exists(base + str(i)):
                i += 1
            with open(base + str(i), "wb") as f:
                f.write(msg.encode("utf-8") if isinstance(msg, str) else bytes(msg))
        return _sctp.sctp_send_msg(self._sk.fileno(), msg, to, ppid, flags, stream, timetolive, context)

    def sctp_recv(self, maxlen):
        """Receives one message (or its next maxlen bytes) or one
        notification: (fromaddr, flags, msg, notif). For data, msg is bytes
        and notif a sndrcvinfo; with FLAG_NOTIFICATION in flags, msg is
        None and notif a notification object; an empty msg with no flags
        on a one-to-one socket means the peer closed the association."""
        fromaddr, flags, msg, raw = _sctp.sctp_recv_msg(self._sk.fileno(), maxlen)
        if flags & FLAG_NOTIFICATION:
            notif = notification_factory(raw)
            if type(notif) is notification and self.unexpected_event_raises_exception:
                raise IOError("An unknown event notification has arrived")
        else:
            notif = sndrcvinfo(raw)
        return (fromaddr, flags, msg, notif)

    def peeloff(self, assoc_id):
        """Branches association assoc_id off this one-to-many socket into a
        new sctpsocket_tcp."""
        fd = _sctp.peeloff(self._sk.fileno(), assoc_id)
        return sctpsocket_tcp(self._family, _usctpsock(self._family, SOCK_STREAM, fd))

    def accept(self):
        """Waits for an association: (sctpsocket_tcp, (host, port))."""
        sk, fromaddr = self._sk.accept()
        return (sctpsocket_tcp(self._family, sk), fromaddr)

    def _check_id(self, assoc_id, what, allow_zero_udp=False):
        if self._style == TCP_STYLE:
            if assoc_id != 0:
                raise ValueError("%s: assoc_id is ignored for TCP-style sockets, pass 0" % what)
        elif assoc_id == 0 and not allow_zero_udp:
            raise ValueError("%s: assoc_id is needed for UDP-style sockets" % what)

    def set_peer_primary(self, assoc_id, addr):
        """Asks the peer to use our address addr as its primary (needs
        ASCONF, RFC 5061: not supported by usctp, raises EOPNOTSUPP)."""
        self._check_id(assoc_id, "set_peer_primary", allow_zero_udp=True)
        _sctp.set_peer_primary(self._sk.fileno(), assoc_id, addr)

    def set_primary(self, assoc_id, addr):
        """Makes the peer address addr our primary path."""
        self._check_id(assoc_id, "set_primary")
        _sctp.set_primary(self._sk.fileno(), assoc_id, addr)

    def _get_initparams(self):
        return _sctp.get_initparams(self._sk.fileno())

    def _set_initparams(self, d):
        _sctp.set_initparams(self._sk.fileno(), d)

    def get_nodelay(self):
        return bool(_sctp.get_nodelay(self._sk.fileno()))

    def set_nodelay(self, rvalue):
        _sctp.set_nodelay(self._sk.fileno(), rvalue)

    def get_adaptation(self):
        return _sctp.get_adaptation(self._sk.fileno())

    def set_adaptation(self, rvalue):
        _sctp.set_adaptation(self._sk.fileno(), rvalue)

    def get_sndbuf(self):
        return _sctp.get_sndbuf(self._sk.fileno())

    def set_sndbuf(self, rvalue):
        # Linux doubles the value; _sctp does the same, so (as with pysctp)
        # get_sndbuf returns about what was set.
        _sctp.set_sndbuf(self._sk.fileno(), rvalue // 2)

    def get_rcvbuf(self):
        return _sctp.get_rcvbuf(self._sk.fileno())

    def set_rcvbuf(self, rvalue):
        _sctp.set_rcvbuf(self._sk.fileno(), rvalue // 2)

    def get_disable_fragments(self):
        return bool(_sctp.get_disable_fragments(self._sk.fileno()))

    def set_disable_fragments(self, rvalue):
        _sctp.set_disable_fragments(self._sk.fileno(), rvalue)

    def _get_events(self):
        return _sctp.get_events(self._sk.fileno())

    def _set_events(self, d):
        _sctp.set_events(self._sk.fileno(), d)

    def get_mappedv4(self):
        return bool(_sctp.get_mappedv4(self._sk.fileno()))

    def set_mappedv4(self, rvalue):
        _sctp.set_mappedv4(self._sk.fileno(), rvalue)

    def get_maxseg(self):
        return _sctp.get_maxseg(self._sk.fileno())

    def set_maxseg(self, rvalue):
        _sctp.set_maxseg(self._sk.fileno(), rvalue)

    def get_autoclose(self):
        return _sctp.get_autoclose(self._sk.fileno())

    def set_autoclose(self, rvalue):
        _sctp.set_autoclose(self._sk.fileno(), rvalue)

    def get_status(self, assoc_id=0):
        """A status object for the association."""
        self._check_id(assoc_id, "get_status")
        s = status()
        s.assoc_id = assoc_id
        _sctp.get_status(self._sk.fileno(), s.__dict__, s.primary.__dict__)
        return s

    def get_paddrinfo(self, assoc_id, sockaddr):
        """A paddrinfo object for the peer address sockaddr."""
        self._check_id(assoc_id, "get_paddrinfo")
        s = paddrinfo()
        s.assoc_id = assoc_id
        s.sockaddr = sockaddr
        _sctp.get_paddrinfo(self._sk.fileno(), s.__dict__)
        return s

    def get_assocparams(self, assoc_id=0):
        """An assocparams object (assoc_id 0: the socket's defaults)."""
        s = assocparams()
        s.assoc_id = assoc_id
        _sctp.get_assocparams(self._sk.fileno(), s.__dict__)
        return s

    def set_assocparams(self, o):
        _sctp.set_assocparams(self._sk.fileno(), o.__dict__)

    def get_paddrparams(self, assoc_id, sockaddr):
        """A paddrparams object; sockaddr ("", 0) means the whole
        association."""
        self._check_id(assoc_id, "get_paddrparams")
        s = paddrparams()
        s.assoc_id = assoc_id
        s.sockaddr = sockaddr
        _sctp.get_paddrparams(self._sk.fileno(), s.__dict__)
        return s

    def set_paddrparams(self, o):
        _sctp.set_paddrparams(self._sk.fileno(), o.__dict__)

    def get_rtoinfo(self, assoc_id=0):
        """An rtoinfo object (ms; assoc_id 0: the socket's defaults)."""
        s = rtoinfo()
        s.assoc_id = assoc_id
        _sctp.get_rtoinfo(self._sk.fileno(), s.__dict__)
        return s

    def set_rtoinfo(self, o):
        _sctp.set_rtoinfo(self._sk.fileno(), o.__dict__)

    def get_ttl(self):
        return self._ttl

    def set_ttl(self, newVal):
        if isinstance(newVal, bool) or not isinstance(newVal, int) or newVal < 0 or newVal > 255:
            raise ValueError("TTL shall be >= 0 and <= 255")
        self._ttl = newVal

    def get_streamid(self):
        return self._streamid

    def set_streamid(self, newVal):
        if isinstance(newVal, bool) or not isinstance(newVal, int) or newVal < 0 or newVal > 65535:
            raise ValueError("streamid shall be a valid unsigned 16bits integer")
        self._streamid = newVal

    def set_remote_udp_port(self, port, assoc_id=0, addr=("", 0)):
        """usctp only: the peer's UDP encapsulation port (RFC 6951 §5.4):
        with assoc_id 0 the default for new associations of this socket,
        else for the path to addr of that association."""
        _sctp.usctp_set_remote_udp_port(self._sk.fileno(), assoc_id, addr, port)

    def get_remote_udp_port(self, assoc_id=0, addr=("", 0)):
        """usctp only: the peer's UDP encapsulation port in use."""
        return _sctp.usctp_get_remote_udp_port(self._sk.fileno(), assoc_id, addr)

    def sock(self):
        """The contained socket object."""
        return self._sk

    def __getattr__(self, name):
        if name.startswith("__") or name == "_sk":
            raise AttributeError(name)
        return getattr(self._sk, name)

    nodelay = property(get_nodelay, set_nodelay)
    adaptation = property(get_adaptation, set_adaptation)
    disable_fragments = property(get_disable_fragments, set_disable_fragments)
    mappedv4 = property(get_mappedv4, set_mappedv4)
    maxseg = property(get_maxseg, set_maxseg)
    autoclose = property(get_autoclose, set_autoclose)
    ttl = property(get_ttl, set_ttl)
    streamid = property(get_streamid, set_streamid)


class sctpsocket_tcp(sctpsocket):
    """One-to-one (TCP-style) SCTP socket: bind/listen/accept on the
    server, connect (or connectx) on the client, then sctp_send and
    sctp_recv. peeloff and the autoclose methods raise IOError."""

    def __init__(self, family, sk=None):
        sctpsocket.__init__(self, family, TCP_STYLE, sk)

    def peeloff(self, *params):
        raise IOError("TCP-style sockets have no peeloff()")

    def get_autoclose(self):
        raise IOError("TCP-style sockets do not support the autoclose property")

    def set_autoclose(self, rvalue):
        raise IOError("TCP-style sockets do not support the autoclose property")


class sctpsocket_udp(sctpsocket):
    """One-to-many (UDP-style) SCTP socket: one socket, many associations.
    listen() to accept associations; the first sctp_send to a new peer
    sets one up; sctp_recv returns every association's data and
    notifications; peeloff() branches one off; autoclose closes idle ones;
    sctp_send(b"", to=peer, flags=MSG_EOF) shuts one down. accept()
    raises IOError."""

    def __init__(self, family, sk=None):
        sctpsocket.__init__(self, family, UDP_STYLE, sk)

    def accept(self, *params):
        raise IOError("UDP-style sockets have no accept(): use sctp_recv(), or peeloff()")
