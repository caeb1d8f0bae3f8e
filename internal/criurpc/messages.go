// Package criurpc owns rt's side of CRIU's RPC protocol (`criu swrk`): the
// messages of CRIU's rpc.proto that rt sends and reads, as plain Go
// structs, and their protobuf wire encoding.
//
// It holds only the messages and fields rt uses; the field numbers and
// types are those of images/rpc.proto in CRIU's source (proto2). A request
// is encoded in field-number order, as the protobuf runtime does, so the
// bytes are the ones go-criu's rpc package produced. A response's fields
// that rt does not read are skipped.
//
// It does not use the protobuf runtime (google.golang.org/protobuf), not
// even protowire: its packages register descriptors and hash the
// executable at init (internal/detrand, which protowire imports too), paid
// by every rt command although only checkpoint and restore talk to CRIU.
// It never runs CRIU (libct does) and imports nothing of rt's.
package criurpc

import "strconv"

// ReqType is criu_req_type: what a request asks, and what a response
// answers.
type ReqType int32

// The request types (criu_req_type).
const (
	ReqEmpty          ReqType = 0
	ReqDump           ReqType = 1
	ReqRestore        ReqType = 2
	ReqCheck          ReqType = 3
	ReqPreDump        ReqType = 4
	ReqPageServer     ReqType = 5
	ReqNotify         ReqType = 6
	ReqCPUInfoDump    ReqType = 7
	ReqCPUInfoCheck   ReqType = 8
	ReqFeatureCheck   ReqType = 9
	ReqVersion        ReqType = 10
	ReqWaitPid        ReqType = 11
	ReqPageServerChld ReqType = 12
	ReqSinglePreDump  ReqType = 13
)

// reqTypeNames are rpc.proto's names of the request types.
var reqTypeNames = [...]string{
	ReqEmpty: "EMPTY", ReqDump: "DUMP", ReqRestore: "RESTORE", ReqCheck: "CHECK",
	ReqPreDump: "PRE_DUMP", ReqPageServer: "PAGE_SERVER", ReqNotify: "NOTIFY",
	ReqCPUInfoDump: "CPUINFO_DUMP", ReqCPUInfoCheck: "CPUINFO_CHECK",
	ReqFeatureCheck: "FEATURE_CHECK", ReqVersion: "VERSION", ReqWaitPid: "WAIT_PID",
	ReqPageServerChld: "PAGE_SERVER_CHLD", ReqSinglePreDump: "SINGLE_PRE_DUMP",
}

// String is the type's name in rpc.proto ("PRE_DUMP"), or its number when
// rpc.proto has no name for it (as the protobuf runtime prints it).
func (t ReqType) String() string {
	if t >= 0 && int(t) < len(reqTypeNames) {
		return reqTypeNames[t]
	}
	return strconv.Itoa(int(t))
}

// CgMode is criu_cg_mode: how CRIU restores the cgroups' properties
// (--manage-cgroups-mode).
type CgMode int32

// The cgroup modes (criu_cg_mode).
const (
	CgIgnore  CgMode = 0
	CgNone    CgMode = 1
	CgProps   CgMode = 2
	CgSoft    CgMode = 3
	CgFull    CgMode = 4
	CgStrict  CgMode = 5
	CgDefault CgMode = 6
)

// Req is criu_req, a request to CRIU.
type Req struct {
	Type          ReqType // required
	Opts          *Opts
	NotifySuccess *bool // the answer to a notification
}

// Opts is criu_opts, the options of a dump or a restore. A nil pointer is
// an option not sent (CRIU's default, or its configuration file's).
type Opts struct {
	ImagesDirFd       int32 // required
	Pid               *int32
	LeaveRunning      *bool
	ExtUnixSk         *bool
	TCPEstablished    *bool
	EvasiveDevices    *bool
	ShellJob          *bool
	FileLocks         *bool
	LogLevel          *int32
	LogFile           *string
	Ps                *PageServerInfo
	NotifyScripts     *bool
	Root              *string
	ParentImg         *string
	TrackMem          *bool
	AutoDedup         *bool
	WorkDirFd         *int32
	LinkRemap         *bool
	ExtMnt            []ExtMountMap
	ManageCgroups     *bool
	CgRoot            []CgroupRoot
	RstSibling        *bool
	InheritFd         []InheritFd
	ManageCgroupsMode *CgMode
	External          []string
	EmptyNs           *uint32
	JoinNs            []JoinNamespace
	FreezeCgroup      *string
	TCPSkipInFlight   *bool
	LazyPages         *bool
	OrphanPtsMaster   *bool
}

// PageServerInfo is criu_page_server_info: where a dump sends its pages.
type PageServerInfo struct {
	Address *string
	Port    *int32
}

// ExtMountMap is ext_mount_map: an external mount, by its key.
type ExtMountMap struct {
	Key string // required
	Val string // required
}

// CgroupRoot is cgroup_root: where a controller's cgroups are restored
// (a nil Ctrl: every controller).
type CgroupRoot struct {
	Ctrl *string
	Path string // required
}

// InheritFd is inherit_fd: an fd of the worker that stands for the
// dumped resource named by the key.
type InheritFd struct {
	Key string // required
	Fd  int32  // required
}

// JoinNamespace is join_namespace: a namespace the restored tree joins.
type JoinNamespace struct {
	Ns     string // required
	NsFile string // required
}

// Resp is criu_resp, CRIU's answer to a request or a notification.
type Resp struct {
	Type    ReqType // required
	Success bool    // required
	Notify  Notify  // when Type is ReqNotify
	CrErrno int32
}

// Notify is criu_notify: an action script CRIU runs (notify_scripts).
type Notify struct {
	Script string
	Pid    int32
}
