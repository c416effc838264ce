# Every public name of pysctp 0.7.1's sctp.py and _sctp exists here (the
# parity table of python/README.md, checked), and a star import gives
# what pysctp's gave (socket and the other helper modules too).
import _sctp
import sctp

MODULE = """BINDX_ADD BINDX_REMOVE BINDX_REM MSG_UNORDERED MSG_ADDR_OVER MSG_ABORT MSG_EOF MSG_FIN
MSG_SENDALL MSG_ADDR_OVERRIDE FLAG_NOTIFICATION FLAG_EOR FLAG_DONTROUTE HAVE_SCTP HAVE_KERNEL_SCTP
HAVE_SCTP_MULTIBUF HAVE_SCTP_NOCONNECT HAVE_SCTP_PRSCTP HAVE_SCTP_ADDIP HAVE_SCTP_CANSET_PRIMARY
HAVE_SCTP_SAT_NETWORK_CAPABILITY SOL_SCTP IPPROTO_SCTP SOCK_SEQPACKET SOCK_STREAM STYLE_TCP STYLE_UDP
TCP_STYLE UDP_STYLE initmsg initparams sndrcvinfo notification assoc_change paddr_change remote_error
send_failed shutdown_event adaptation_event pdapi_event notification_table notification_factory
event_subscribe rtoinfo assocparams paddrparams paddrinfo status features sctpsocket sctpsocket_tcp
sctpsocket_udp socket datetime time os sys _sctp""".split()

CLASS = {
    "initparams": "flush initmsg get_num_ostreams set_num_ostreams get_max_instreams set_max_instreams "
                  "get_max_attempts set_max_attempts get_max_init_timeo set_max_init_timeo num_ostreams "
                  "max_instreams max_attempts max_init_timeo",
    "notification": "type_SN_TYPE_BASE type_ASSOC_CHANGE type_PEER_ADDR_CHANGE type_SEND_FAILED "
                    "type_REMOTE_ERROR type_SHUTDOWN_EVENT type_PARTIAL_DELIVERY_EVENT type_ADAPTATION_INDICATION",
    "assoc_change": "state_COMM_UP state_COMM_LOST state_RESTART state_SHUTDOWN_COMP state_CANT_STR_ASSOC "
                    "state_CANT_START_ASSOCIATION error_FAILED_THRESHOLD error_RECEIVED_SACK "
                    "error_HEARTBEAT_SUCCESS error_RESPONSE_TO_USER_REQ error_INTERNAL_ERROR "
                    "error_SHUTDOWN_GUARD_EXPIRES error_PEER_FAULTY",
    "paddr_change": "state_ADDR_AVAILABLE state_ADDR_UNREACHABLE state_ADDR_REMOVED state_ADDR_ADDED "
                    "state_ADDR_MADE_PRIM error_FAILED_THRESHOLD error_RECEIVED_SACK error_HEARTBEAT_SUCCESS "
                    "error_RESPONSE_TO_USER_REQ error_INTERNAL_ERROR error_SHUTDOWN_GUARD_EXPIRES error_PEER_FAULTY",
    "send_failed": "flag_DATA_UNSENT flag_DATA_SENT",
    "pdapi_event": "indication_PD_ABORTED indication_PARTIAL_DELIVERY_ABORTED",
    "event_subscribe": "flush clear get_adaptation_layer get_partial_delivery get_shutdown get_peer_error "
                       "get_send_failure get_address get_association get_data_io set_adaptation_layer "
                       "set_partial_delivery set_shutdown set_peer_error set_send_failure set_address "
                       "set_association set_data_io data_io dataio sndrcvinfo association address send_failure "
                       "sendfailure peer_error peererror shutdown partial_delivery partialdelivery "
                       "adaptation_layer adaptationlayer",
    "paddrparams": "flags_HB_DISABLED flags_HB_ENABLED flags_PMTUD_DISABLED flags_PMTUD_ENABLED "
                   "flags_SACKDELAY_DISABLED flags_SACKDELAY_ENABLED flags_HB_DISABLE flags_HB_ENABLE "
                   "flags_PMTUD_DISABLE flags_PMTUD_ENABLE flags_SACKDELAY_DISABLE flags_SACKDELAY_ENABLE",
    "paddrinfo": "state_INACTIVE state_ACTIVE",
    "status": "state_EMPTY state_CLOSED state_COOKIE_WAIT state_COOKIE_ECHOED state_ESTABLISHED "
              "state_SHUTDOWN_PENDING state_SHUTDOWN_SENT state_SHUTDOWN_RECEIVED state_SHUTDOWN_ACK_SENT "
              "state_BOUND state_LISTEN",
    "sctpsocket": "bindx connectx getpaddrs getladdrs sctp_send sctp_recv peeloff accept set_peer_primary "
                  "set_primary get_nodelay set_nodelay get_adaptation set_adaptation get_sndbuf set_sndbuf "
                  "get_disable_fragments set_disable_fragments get_mappedv4 set_mappedv4 get_maxseg set_maxseg "
                  "get_autoclose set_autoclose get_status get_paddrinfo get_assocparams set_assocparams "
                  "get_paddrparams set_paddrparams get_rtoinfo set_rtoinfo get_ttl set_ttl get_streamid "
                  "set_streamid sock nodelay adaptation disable_fragments mappedv4 maxseg autoclose ttl streamid",
    "sctpsocket_tcp": "peeloff get_autoclose set_autoclose",
    "sctpsocket_udp": "accept",
}

LOW = """error_out getconstant have_sctp_multibuf have_sctp_noconnect have_sctp_sat_network
have_sctp_setprimary have_sctp_prsctp have_sctp_addip bindx connectx getpaddrs getladdrs peeloff
sctp_send_msg sctp_recv_msg set_peer_primary set_primary get_autoclose set_autoclose get_initparams
set_initparams get_nodelay set_nodelay get_adaptation set_adaptation get_sndbuf set_sndbuf
get_disable_fragments set_disable_fragments get_events set_events get_mappedv4 set_mappedv4 get_maxseg
set_maxseg _sockaddr_test get_status get_rtoinfo get_paddrinfo get_assocparams get_paddrparams
set_rtoinfo set_assocparams set_paddrparams""".split()

missing = [n for n in MODULE if not hasattr(sctp, n)]
for cls, names in CLASS.items():
    missing += ["%s.%s" % (cls, n) for n in names.split() if not hasattr(getattr(sctp, cls), n)]
missing += ["_sctp." + n for n in LOW if not callable(getattr(_sctp, n, None))]
assert not missing, missing

ns = {}
exec("from sctp import *", ns)
for n in ("socket", "os", "sys", "time", "datetime", "sctpsocket_tcp", "MSG_EOF"):
    assert n in ns, n

# constant values pysctp scripts compare against (Linux values)
assert (sctp.IPPROTO_SCTP, sctp.SOL_SCTP, sctp.MSG_EOF, sctp.FLAG_NOTIFICATION, sctp.FLAG_EOR) == (132, 132, 512, 0x8000, 128)
assert (sctp.TCP_STYLE, sctp.UDP_STYLE, sctp.BINDX_ADD, sctp.BINDX_REM) == (1, 5, 1, 2)
assert sctp.notification.type_ASSOC_CHANGE == 32769 and sctp.assoc_change.state_COMM_UP == 0
print("OK parity")
