package chunk

import "strconv"

// Parameter types (RFC 9260 §3.2.1 and the extensions).
const (
	ParamHeartbeatInfo        ParamType = 1      // RFC 9260 §3.3.5
	ParamErrorCauseIndication ParamType = 0xC003 // RFC 5061 §4.2.3 (ASCONF-ACK)
	ParamIPv4Addr             ParamType = 5      // RFC 9260 §3.3.2.1.1
	ParamIPv6Addr             ParamType = 6      // RFC 9260 §3.3.2.1.2
	ParamStateCookie          ParamType = 7      // RFC 9260 §3.3.3.1
	ParamUnrecognized         ParamType = 8      // RFC 9260 §3.3.3.1
	ParamCookiePreservative   ParamType = 9      // RFC 9260 §3.3.2.1.2
	ParamHostName             ParamType = 11     // RFC 9260 §3.3.2.1.3
	ParamSupportedAddrTypes   ParamType = 12     // RFC 9260 §3.3.2.1.4
	ParamOutSSNResetReq       ParamType = 13     // RFC 6525 §4.1
	ParamInSSNResetReq        ParamType = 14     // RFC 6525 §4.2
	ParamSSNTSNResetReq       ParamType = 15     // RFC 6525 §4.3
	ParamReconfigResp         ParamType = 16     // RFC 6525 §4.4
	ParamAddOutStreamsReq     ParamType = 17     // RFC 6525 §4.5
	ParamAddInStreamsReq      ParamType = 18     // RFC 6525 §4.6
	ParamECNCapable           ParamType = 0x8000 // RFC 9260 Appendix A
	ParamZeroChecksum         ParamType = 0x8001 // RFC 9653 §3
	ParamRandom               ParamType = 0x8002 // RFC 4895 §3.1
	ParamChunkList            ParamType = 0x8003 // RFC 4895 §3.2
	ParamRequestedHMAC        ParamType = 0x8004 // RFC 4895 §3.3
	ParamPadding              ParamType = 0x8005 // RFC 4820 §4
	ParamSupportedExtensions  ParamType = 0x8008 // RFC 5061 §4.2.7
	ParamForwardTSNSupported  ParamType = 0xC000 // RFC 3758 §3.1
	ParamAddIPAddr            ParamType = 0xC001 // RFC 5061 §4.2.1
	ParamDeleteIPAddr         ParamType = 0xC002 // RFC 5061 §4.2.2
	ParamSetPrimaryAddr       ParamType = 0xC004 // RFC 5061 §4.2.4
	ParamSuccessIndication    ParamType = 0xC005 // RFC 5061 §4.2.5
	ParamAdaptationLayer      ParamType = 0xC006 // RFC 5061 §4.2.6
)

// Error cause codes (RFC 9260 §3.3.10; 14 from
// draft-tuexen-tsvwg-sctp-udp-encaps-cons, which updates RFC 6951; 0xA0-0xA4
// from RFC 5061 §4.3; 0x105 from RFC 4895 §4.1).
const (
	CauseInvalidStream           CauseCode = 1
	CauseMissingParam            CauseCode = 2
	CauseStaleCookie             CauseCode = 3
	CauseOutOfResource           CauseCode = 4
	CauseUnresolvableAddr        CauseCode = 5
	CauseUnrecognizedChunk       CauseCode = 6
	CauseInvalidMandatoryParam   CauseCode = 7
	CauseUnrecognizedParams      CauseCode = 8
	CauseNoUserData              CauseCode = 9
	CauseCookieWhileShuttingDown CauseCode = 10
	CauseRestartNewAddrs         CauseCode = 11
	CauseUserInitiatedAbort      CauseCode = 12
	CauseProtocolViolation       CauseCode = 13
	CauseRestartNewEncapPort     CauseCode = 14     // Restart of an Association with New Encapsulation Port
	CauseDeleteLastAddr          CauseCode = 0x00A0 // RFC 5061 §5.2: Request to Delete Last Remaining IP Address
	CauseResourceShortage        CauseCode = 0x00A1 // RFC 5061: Operation Refused Due to Resource Shortage
	CauseDeleteSourceAddr        CauseCode = 0x00A2 // RFC 5061: Request to Delete Source IP Address
	CauseIllegalAsconfAck        CauseCode = 0x00A3 // RFC 5061: Association Aborted Due to Illegal ASCONF-ACK
	CauseNoAuthorization         CauseCode = 0x00A4 // RFC 5061: Request Refused - No Authorization
	CauseUnsupportedHMAC         CauseCode = 0x0105 // RFC 4895 §4.1: Unsupported HMAC Identifier
)

// ActionOf returns what the two high bits of chunk type t ask of a receiver
// that does not know t (RFC 9260 §3.2).
func ActionOf(t Type) Action { return Action(t >> 6) }

// Action returns what the two high bits of parameter type p ask of a
// receiver that does not know p (RFC 9260 §3.2.1).
func (p ParamType) Action() Action { return Action(p >> 14) }

// Action reports the action bits of t (RFC 9260 §3.2).
func (t Type) Action() Action { return ActionOf(t) }

// Stop reports whether the receiver stops processing the rest of the
// packet (or chunk, for parameters): action bits 00 and 01.
func (a Action) Stop() bool { return a&2 == 0 }

// Report reports whether the receiver reports the unrecognized chunk or
// parameter: action bits 01 and 11.
func (a Action) Report() bool { return a&1 == 1 }

var typeNames = map[Type]string{
	TypeData: "DATA", TypeInit: "INIT", TypeInitAck: "INIT_ACK", TypeSack: "SACK",
	TypeHeartbeat: "HEARTBEAT", TypeHeartbeatAck: "HEARTBEAT_ACK", TypeAbort: "ABORT",
	TypeShutdown: "SHUTDOWN", TypeShutdownAck: "SHUTDOWN_ACK", TypeError: "ERROR",
	TypeCookieEcho: "COOKIE_ECHO", TypeCookieAck: "COOKIE_ACK", TypeECNE: "ECNE",
	TypeCWR: "CWR", TypeShutdownComplete: "SHUTDOWN_COMPLETE", TypeAuth: "AUTH",
	TypeIData: "I_DATA", TypeAsconfAck: "ASCONF_ACK", TypeReconfig: "RE_CONFIG",
	TypePad: "PAD", TypeForwardTSN: "FORWARD_TSN", TypeAsconf: "ASCONF",
	TypeIForwardTSN: "I_FORWARD_TSN",
}

// String returns the RFC name of t, or "Type(0x..)" for unknown types.
func (t Type) String() string {
	if s, ok := typeNames[t]; ok {
		return s
	}
	return "Type(0x" + strconv.FormatUint(uint64(t), 16) + ")"
}

var paramNames = map[ParamType]string{
	ParamHeartbeatInfo: "HeartbeatInfo", ParamIPv4Addr: "IPv4Address", ParamIPv6Addr: "IPv6Address",
	ParamStateCookie: "StateCookie", ParamUnrecognized: "UnrecognizedParameter",
	ParamCookiePreservative: "CookiePreservative", ParamHostName: "HostNameAddress",
	ParamSupportedAddrTypes: "SupportedAddressTypes", ParamOutSSNResetReq: "OutgoingSSNResetRequest",
	ParamInSSNResetReq: "IncomingSSNResetRequest", ParamSSNTSNResetReq: "SSNTSNResetRequest",
	ParamReconfigResp: "ReconfigurationResponse", ParamAddOutStreamsReq: "AddOutgoingStreamsRequest",
	ParamAddInStreamsReq: "AddIncomingStreamsRequest", ParamECNCapable: "ECNCapable",
	ParamZeroChecksum: "ZeroChecksumAcceptable", ParamRandom: "Random", ParamChunkList: "ChunkList",
	ParamRequestedHMAC: "RequestedHMACAlgorithm", ParamPadding: "Padding",
	ParamSupportedExtensions: "SupportedExtensions", ParamForwardTSNSupported: "ForwardTSNSupported",
	ParamAddIPAddr: "AddIPAddress", ParamDeleteIPAddr: "DeleteIPAddress",
	ParamErrorCauseIndication: "ErrorCauseIndication", ParamSetPrimaryAddr: "SetPrimaryAddress",
	ParamSuccessIndication: "SuccessIndication", ParamAdaptationLayer: "AdaptationLayerIndication",
}

// String returns the RFC name of p, or "ParamType(0x..)" for unknown types.
func (p ParamType) String() string {
	if s, ok := paramNames[p]; ok {
		return s
	}
	return "ParamType(0x" + strconv.FormatUint(uint64(p), 16) + ")"
}

var causeNames = map[CauseCode]string{
	CauseInvalidStream: "InvalidStreamIdentifier", CauseMissingParam: "MissingMandatoryParameter",
	CauseStaleCookie: "StaleCookieError", CauseOutOfResource: "OutOfResource",
	CauseUnresolvableAddr: "UnresolvableAddress", CauseUnrecognizedChunk: "UnrecognizedChunkType",
	CauseInvalidMandatoryParam: "InvalidMandatoryParameter", CauseUnrecognizedParams: "UnrecognizedParameters",
	CauseNoUserData: "NoUserData", CauseCookieWhileShuttingDown: "CookieReceivedWhileShuttingDown",
	CauseRestartNewAddrs: "RestartWithNewAddresses", CauseUserInitiatedAbort: "UserInitiatedAbort",
	CauseProtocolViolation: "ProtocolViolation", CauseRestartNewEncapPort: "RestartWithNewEncapsulationPort",
	CauseDeleteLastAddr:   "RequestToDeleteLastRemainingIPAddress",
	CauseResourceShortage: "OperationRefusedDueToResourceShortage",
	CauseDeleteSourceAddr: "RequestToDeleteSourceIPAddress",
	CauseIllegalAsconfAck: "AssociationAbortedDueToIllegalASCONFACK",
	CauseNoAuthorization:  "RequestRefusedNoAuthorization", CauseUnsupportedHMAC: "UnsupportedHMACIdentifier",
}

// String returns the RFC name of c, or "CauseCode(0x..)" for unknown codes.
func (c CauseCode) String() string {
	if s, ok := causeNames[c]; ok {
		return s
	}
	return "CauseCode(0x" + strconv.FormatUint(uint64(c), 16) + ")"
}

// String names the action.
func (a Action) String() string {
	switch a {
	case ActionStop:
		return "stop"
	case ActionStopReport:
		return "stop+report"
	case ActionSkip:
		return "skip"
	case ActionSkipReport:
		return "skip+report"
	}
	return "Action(" + strconv.Itoa(int(a)) + ")"
}
