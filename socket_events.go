package sctp

// EventSubscribe selects which notification categories SCTPRecv returns
// (the SCTP_EVENTS / SCTP_EVENT option, RFC 6458 §6.2; pysctp's
// event_subscribe with its eight flags, plus the newer categories pysctp
// could never enable, its bug B18). Notifications are the engine's event
// types (AssocChange, PeerAddrChange, SendFailed, RemoteError,
// ShutdownEvent, PartialDelivery, AdaptationIndication, SenderDry), returned
// in Received.Notification with MSG_NOTIFICATION set. The zero value
// subscribes to nothing.
type EventSubscribe struct {
	// DataIO is kept for pysctp compatibility. usctp always fills
	// SndRcvInfo for received data (stream, SSN, PPID, TSN, association)
	// whatever this flag says, where the kernel zeroes it when off.
	DataIO bool
	// Association: AssocChange (COMM_UP, COMM_LOST, RESTART,
	// SHUTDOWN_COMP, CANT_STR_ASSOC).
	Association bool
	// Address: PeerAddrChange (path available, unreachable, confirmed...).
	Address bool
	// SendFailure: SendFailed, one per undelivered message.
	SendFailure bool
	// PeerError: RemoteError, one per cause of a received ERROR chunk.
	PeerError bool
	// Shutdown: ShutdownEvent when the peer sends SHUTDOWN.
	Shutdown bool
	// PartialDelivery: PartialDelivery when a partial delivery is aborted.
	PartialDelivery bool
	// AdaptationLayer: AdaptationIndication from the peer's INIT/INIT ACK.
	AdaptationLayer bool
	// Authentication: AuthKeyEvent (RFC 4895 AUTH key events, RFC 6458
	// §6.1.8: a new key used by the peer, the peer without AUTH).
	Authentication bool
	// SenderDry: SenderDry when nothing is queued or in flight any more.
	SenderDry bool
	// StreamReset: StreamReset when streams were reset (RFC 6525 §6.1.1,
	// SCTP_STREAM_RESET_EVENT).
	StreamReset bool
	// AssocReset: AssocReset after an SSN/TSN reset (RFC 6525 §6.1.2,
	// SCTP_ASSOC_RESET_EVENT).
	AssocReset bool
	// StreamChange: StreamChange when streams were added (RFC 6525
	// §6.1.3, SCTP_STREAM_CHANGE_EVENT).
	StreamChange bool
}

// Clear turns every category off except DataIO (pysctp events.clear()).
func (e *EventSubscribe) Clear() { *e = EventSubscribe{DataIO: true} }

// AllEvents returns a subscription with every category on.
func AllEvents() EventSubscribe {
	return EventSubscribe{DataIO: true, Association: true, Address: true, SendFailure: true,
		PeerError: true, Shutdown: true, PartialDelivery: true, AdaptationLayer: true,
		Authentication: true, SenderDry: true, StreamReset: true, AssocReset: true, StreamChange: true}
}
