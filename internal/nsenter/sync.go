package nsenter

// #include "plan.h"
import "C"

// The sync protocol between rt and the C stage: the messages are plan.h's
// (the Msg* constants in stage_cgo.go), the sequence is drawn in sync.md,
// and sync_test.go checks this mirror against the header.

// Sync points: OpSync's Args[0] and the Value of its MsgSync.
const (
	SyncCgroup      = C.SYNC_CGROUP       // the stage is in the container's cgroup
	SyncHooks       = C.SYNC_HOOKS        // prestart, createRuntime, createContainer hooks
	SyncTimeOffsets = C.SYNC_TIME_OFFSETS // write the op's Strs[0] into /proc/PID/timens_offsets
)

// The exec fifo: `rt start` writes the state's length (FifoLenSize bytes,
// host order) then the state; an init that fails after reading it writes
// FifoNotStarted back.
const (
	FifoLenSize    = C.RT_FIFO_LEN_SIZE
	FifoNotStarted = byte(C.RT_FIFO_NOT_STARTED)
)

// MsgNames names every message type of plan.h's enum rt_msg_type.
var MsgNames = map[uint32]string{
	MsgUsermapReq: "MSG_USERMAP_REQ", MsgPid: "MSG_PID", MsgSync: "MSG_SYNC", MsgReady: "MSG_READY",
	MsgError: "MSG_ERROR", MsgContinue: "MSG_CONTINUE", MsgSeccompFd: "MSG_SECCOMP_FD", MsgWarning: "MSG_WARNING",
}

// SyncNames names every sync point of plan.h's enum rt_sync_id.
var SyncNames = map[int32]string{
	SyncCgroup: "SYNC_CGROUP", SyncHooks: "SYNC_HOOKS", SyncTimeOffsets: "SYNC_TIME_OFFSETS",
}
