// Package fuzz holds the `go test -fuzz` targets of package chunk
// (fuzz_test.go) and helpers they share with other tests, among them the
// root package's FuzzParsePacket: factories of the typed chunk, parameter
// and cause values of package chunk, the decode→encode→decode checks
// (check.go), and a loader of the golden usrsctp captures in testdata/ at
// the module root.
package fuzz

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/usctp/sctp/chunk"
	"github.com/usctp/sctp/internal/pcap"
)

// ChunkTypes lists every chunk type with a typed value in package chunk.
var ChunkTypes = []chunk.Type{
	chunk.TypeData, chunk.TypeInit, chunk.TypeInitAck, chunk.TypeSack, chunk.TypeHeartbeat,
	chunk.TypeHeartbeatAck, chunk.TypeAbort, chunk.TypeShutdown, chunk.TypeShutdownAck,
	chunk.TypeError, chunk.TypeCookieEcho, chunk.TypeCookieAck, chunk.TypeECNE, chunk.TypeCWR,
	chunk.TypeShutdownComplete, chunk.TypeAuth, chunk.TypeIData, chunk.TypeAsconfAck,
	chunk.TypeReconfig, chunk.TypePad, chunk.TypeForwardTSN, chunk.TypeAsconf, chunk.TypeIForwardTSN,
}

// NewChunk returns a new zero typed value for chunk type t, or a new
// *chunk.Unknown for a type package chunk has no typed value for.
func NewChunk(t chunk.Type) chunk.Chunk {
	switch t {
	case chunk.TypeData:
		return new(chunk.Data)
	case chunk.TypeInit:
		return new(chunk.Init)
	case chunk.TypeInitAck:
		return new(chunk.InitAck)
	case chunk.TypeSack:
		return new(chunk.Sack)
	case chunk.TypeHeartbeat:
		return new(chunk.Heartbeat)
	case chunk.TypeHeartbeatAck:
		return new(chunk.HeartbeatAck)
	case chunk.TypeAbort:
		return new(chunk.Abort)
	case chunk.TypeShutdown:
		return new(chunk.Shutdown)
	case chunk.TypeShutdownAck:
		return new(chunk.ShutdownAck)
	case chunk.TypeError:
		return new(chunk.Error)
	case chunk.TypeCookieEcho:
		return new(chunk.CookieEcho)
	case chunk.TypeCookieAck:
		return new(chunk.CookieAck)
	case chunk.TypeECNE:
		return new(chunk.ECNE)
	case chunk.TypeCWR:
		return new(chunk.CWR)
	case chunk.TypeShutdownComplete:
		return new(chunk.ShutdownComplete)
	case chunk.TypeAuth:
		return new(chunk.Auth)
	case chunk.TypeIData:
		return new(chunk.IData)
	case chunk.TypeAsconfAck:
		return new(chunk.AsconfAck)
	case chunk.TypeReconfig:
		return new(chunk.Reconfig)
	case chunk.TypePad:
		return new(chunk.Pad)
	case chunk.TypeForwardTSN:
		return new(chunk.ForwardTSN)
	case chunk.TypeAsconf:
		return new(chunk.Asconf)
	case chunk.TypeIForwardTSN:
		return new(chunk.IForwardTSN)
	}
	return new(chunk.Unknown)
}

// ParamTypes lists every parameter type with a typed value in package chunk.
var ParamTypes = []chunk.ParamType{
	chunk.ParamHeartbeatInfo, chunk.ParamIPv4Addr, chunk.ParamIPv6Addr, chunk.ParamStateCookie,
	chunk.ParamUnrecognized, chunk.ParamCookiePreservative, chunk.ParamHostName,
	chunk.ParamSupportedAddrTypes, chunk.ParamOutSSNResetReq, chunk.ParamInSSNResetReq,
	chunk.ParamSSNTSNResetReq, chunk.ParamReconfigResp, chunk.ParamAddOutStreamsReq,
	chunk.ParamAddInStreamsReq, chunk.ParamECNCapable, chunk.ParamZeroChecksum, chunk.ParamRandom,
	chunk.ParamChunkList, chunk.ParamRequestedHMAC, chunk.ParamPadding, chunk.ParamSupportedExtensions,
	chunk.ParamForwardTSNSupported, chunk.ParamAddIPAddr, chunk.ParamDeleteIPAddr,
	chunk.ParamErrorCauseIndication, chunk.ParamSetPrimaryAddr, chunk.ParamSuccessIndication,
	chunk.ParamAdaptationLayer,
}

// NewParam returns a new zero typed value for parameter type t, or nil.
func NewParam(t chunk.ParamType) chunk.TypedParam {
	switch t {
	case chunk.ParamIPv4Addr, chunk.ParamIPv6Addr:
		return new(chunk.AddrParam)
	case chunk.ParamHeartbeatInfo:
		return new(chunk.HeartbeatInfoParam)
	case chunk.ParamStateCookie:
		return new(chunk.StateCookieParam)
	case chunk.ParamUnrecognized:
		return new(chunk.UnrecognizedParam)
	case chunk.ParamCookiePreservative:
		return new(chunk.CookiePreservativeParam)
	case chunk.ParamHostName:
		return new(chunk.HostNameParam)
	case chunk.ParamSupportedAddrTypes:
		return new(chunk.SupportedAddrTypesParam)
	case chunk.ParamOutSSNResetReq:
		return new(chunk.OutSSNResetReqParam)
	case chunk.ParamInSSNResetReq:
		return new(chunk.InSSNResetReqParam)
	case chunk.ParamSSNTSNResetReq:
		return new(chunk.SSNTSNResetReqParam)
	case chunk.ParamReconfigResp:
		return new(chunk.ReconfigRespParam)
	case chunk.ParamAddOutStreamsReq:
		return new(chunk.AddOutStreamsReqParam)
	case chunk.ParamAddInStreamsReq:
		return new(chunk.AddInStreamsReqParam)
	case chunk.ParamECNCapable:
		return new(chunk.ECNCapableParam)
	case chunk.ParamZeroChecksum:
		return new(chunk.ZeroChecksumParam)
	case chunk.ParamRandom:
		return new(chunk.RandomParam)
	case chunk.ParamChunkList:
		return new(chunk.ChunkListParam)
	case chunk.ParamRequestedHMAC:
		return new(chunk.RequestedHMACParam)
	case chunk.ParamPadding:
		return new(chunk.PaddingParam)
	case chunk.ParamSupportedExtensions:
		return new(chunk.SupportedExtensionsParam)
	case chunk.ParamForwardTSNSupported:
		return new(chunk.ForwardTSNSupportedParam)
	case chunk.ParamAddIPAddr:
		return new(chunk.AddIPAddrParam)
	case chunk.ParamDeleteIPAddr:
		return new(chunk.DeleteIPAddrParam)
	case chunk.ParamErrorCauseIndication:
		return new(chunk.ErrorCauseIndicationParam)
	case chunk.ParamSetPrimaryAddr:
		return new(chunk.SetPrimaryAddrParam)
	case chunk.ParamSuccessIndication:
		return new(chunk.SuccessIndicationParam)
	case chunk.ParamAdaptationLayer:
		return new(chunk.AdaptationLayerParam)
	}
	return nil
}

// CauseCodes lists every error cause code with a typed value in package chunk.
var CauseCodes = []chunk.CauseCode{
	chunk.CauseInvalidStream, chunk.CauseMissingParam, chunk.CauseStaleCookie,
	chunk.CauseOutOfResource, chunk.CauseUnresolvableAddr, chunk.CauseUnrecognizedChunk,
	chunk.CauseInvalidMandatoryParam, chunk.CauseUnrecognizedParams, chunk.CauseNoUserData,
	chunk.CauseCookieWhileShuttingDown, chunk.CauseRestartNewAddrs, chunk.CauseUserInitiatedAbort,
	chunk.CauseProtocolViolation, chunk.CauseRestartNewEncapPort, chunk.CauseDeleteLastAddr,
	chunk.CauseResourceShortage, chunk.CauseDeleteSourceAddr, chunk.CauseIllegalAsconfAck,
	chunk.CauseNoAuthorization, chunk.CauseUnsupportedHMAC,
}

// NewCause returns a new zero typed value for error cause code c, or nil.
func NewCause(c chunk.CauseCode) chunk.TypedCause {
	switch c {
	case chunk.CauseInvalidStream:
		return new(chunk.InvalidStreamCause)
	case chunk.CauseMissingParam:
		return new(chunk.MissingParamCause)
	case chunk.CauseStaleCookie:
		return new(chunk.StaleCookieCause)
	case chunk.CauseOutOfResource:
		return new(chunk.OutOfResourceCause)
	case chunk.CauseUnresolvableAddr:
		return new(chunk.UnresolvableAddrCause)
	case chunk.CauseUnrecognizedChunk:
		return new(chunk.UnrecognizedChunkCause)
	case chunk.CauseInvalidMandatoryParam:
		return new(chunk.InvalidMandatoryParamCause)
	case chunk.CauseUnrecognizedParams:
		return new(chunk.UnrecognizedParamsCause)
	case chunk.CauseNoUserData:
		return new(chunk.NoUserDataCause)
	case chunk.CauseCookieWhileShuttingDown:
		return new(chunk.CookieWhileShuttingDownCause)
	case chunk.CauseRestartNewAddrs:
		return new(chunk.RestartNewAddrsCause)
	case chunk.CauseUserInitiatedAbort:
		return new(chunk.UserInitiatedAbortCause)
	case chunk.CauseProtocolViolation:
		return new(chunk.ProtocolViolationCause)
	case chunk.CauseRestartNewEncapPort:
		return new(chunk.RestartNewEncapPortCause)
	case chunk.CauseDeleteLastAddr:
		return new(chunk.DeleteLastAddrCause)
	case chunk.CauseResourceShortage:
		return new(chunk.ResourceShortageCause)
	case chunk.CauseDeleteSourceAddr:
		return new(chunk.DeleteSourceAddrCause)
	case chunk.CauseIllegalAsconfAck:
		return new(chunk.IllegalAsconfAckCause)
	case chunk.CauseNoAuthorization:
		return new(chunk.NoAuthorizationCause)
	case chunk.CauseUnsupportedHMAC:
		return new(chunk.UnsupportedHMACCause)
	}
	return nil
}

// Golden is one SCTP packet of the golden usrsctp captures.
type Golden struct {
	File  string // base name of the capture
	Frame int    // 1-based frame number, as tshark numbers it
	pcap.Datagram
}

// String names the packet: "usrsctp-echo.pcap frame 3".
func (g Golden) String() string { return fmt.Sprintf("%s frame %d", g.File, g.Frame) }

// GoldenPackets extracts the SCTP packets (the UDP payloads) of every
// usrsctp-*.pcap capture in dir (the module's testdata directory), in file
// name and frame order (see testdata/README.md).
func GoldenPackets(dir string) ([]Golden, error) {
	files, err := filepath.Glob(filepath.Join(dir, "usrsctp-*.pcap"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("fuzz: no usrsctp-*.pcap captures in %s", dir)
	}
	slices.Sort(files)
	var out []Golden
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return nil, err
		}
		ds, err := pcap.ReadDatagrams(fh)
		fh.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for i, d := range ds {
			out = append(out, Golden{File: filepath.Base(f), Frame: i + 1, Datagram: d})
		}
	}
	return out, nil
}
