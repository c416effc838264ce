# Options read and set: the properties, initparams, events, rtoinfo,
# assocparams, paddrparams, paddrinfo, status, send/receive buffers,
# ttl/streamid defaults, autoclose (one-to-many only).
import socket
import sctp

srv = sctp.sctpsocket_tcp(socket.AF_INET)
srv.bind(("127.0.0.1", 10030))
srv.listen(1)
cli = sctp.sctpsocket_tcp(socket.AF_INET)
cli.settimeout(10)

cli.nodelay = True
assert cli.nodelay is True
v6 = sctp.sctpsocket_tcp(socket.AF_INET6)
for sk, prop in ((cli, "disable_fragments"), (v6, "mappedv4")):
    setattr(sk, prop, True)
    assert getattr(sk, prop) is True, prop
    setattr(sk, prop, False)
    assert getattr(sk, prop) is False, prop
v6.close()
cli.maxseg = 1000
assert cli.maxseg == 1000, cli.maxseg
cli.maxseg = 0
cli.set_sndbuf(200000)
assert abs(cli.get_sndbuf() - 200000) <= 1, cli.get_sndbuf()
cli.set_rcvbuf(100000)
assert abs(cli.get_rcvbuf() - 100000) <= 1, cli.get_rcvbuf()
assert cli.sock().getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) == cli.get_rcvbuf()

cli.initparams.autoflush = False
cli.initparams.num_ostreams = 7
cli.initparams.max_instreams = 9
cli.initparams.max_attempts = 3
cli.initparams.max_init_timeo = 2000
cli.initparams.flush()
again = sctp.sctpsocket_tcp(socket.AF_INET, cli.sock()).initparams  # re-read from the stack
assert (again.num_ostreams, again.max_instreams, again.max_attempts, again.max_init_timeo) == (7, 9, 3, 2000), \
    vars(again.initmsg())
m = cli.initparams.initmsg()
assert isinstance(m, sctp.initmsg) and m.num_ostreams == 7

rto = cli.get_rtoinfo()
assert rto.initial > 0 and rto.min > 0 and rto.max >= rto.min, vars(rto)
rto.initial, rto.min, rto.max = 500, 200, 9000
cli.set_rtoinfo(rto)
r2 = cli.get_rtoinfo()
assert (r2.initial, r2.min, r2.max) == (500, 200, 9000), vars(r2)

ap = cli.get_assocparams()
ap.assocmaxrxt = 6
ap.cookie_life = 30000
cli.set_assocparams(ap)
ap2 = cli.get_assocparams()
assert ap2.assocmaxrxt == 6 and ap2.cookie_life == 30000, vars(ap2)

cli.connect(("127.0.0.1", 10030))
conn, _ = srv.accept()
st = cli.get_status()
assert st.outstrms == 7, st.outstrms
assert st.state == sctp.status.state_ESTABLISHED
assert st.fragmentation_point > 0 and st.rwnd > 0
pi = cli.get_paddrinfo(0, ("127.0.0.1", 10030))
assert pi.state == sctp.paddrinfo.state_ACTIVE and pi.mtu > 0 and pi.cwnd > 0 and pi.rto > 0, vars(pi)

pp = cli.get_paddrparams(0, ("", 0))
assert pp.hbinterval > 0 and pp.pathmaxrxt > 0, vars(pp)
pp.hbinterval = 5000
pp.pathmaxrxt = 4
cli.set_paddrparams(pp)
pp2 = cli.get_paddrparams(0, ("127.0.0.1", 10030))
assert pp2.hbinterval == 5000 and pp2.pathmaxrxt == 4, vars(pp2)
assert pp2.sockaddr == ("127.0.0.1", 10030), pp2.sockaddr

cli.set_primary(0, ("127.0.0.1", 10030))
try:
    cli.set_primary(3, ("127.0.0.1", 10030))
    raise SystemExit("set_primary with an assoc_id on a one-to-one socket did not raise")
except ValueError:
    pass

cli.ttl = 100
cli.streamid = 3
cli.sctp_send(b"defaults")
conn.events.data_io = 1
fromaddr, flags, msg, info = conn.sctp_recv(100)
assert msg == b"defaults" and info.stream == 3, (msg, info.stream)
for bad in (256, -1, "1"):
    try:
        cli.ttl = bad
        raise SystemExit("ttl %r accepted" % (bad,))
    except ValueError:
        pass
try:
    cli.streamid = 65536
    raise SystemExit("streamid 65536 accepted")
except ValueError:
    pass

try:
    cli.get_autoclose()
    raise SystemExit("autoclose on a one-to-one socket did not raise")
except IOError:
    pass
u = sctp.sctpsocket_udp(socket.AF_INET)
u.autoclose = 30
assert u.autoclose == 30, u.autoclose
assert sctp.features() & sctp.HAVE_SCTP and sctp.features() & sctp.HAVE_SCTP_PRSCTP
u.close()
cli.close()
conn.close()
srv.close()
print("OK options")
