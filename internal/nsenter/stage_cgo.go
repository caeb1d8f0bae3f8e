// Package nsenter is the C stage of rt and the Go side of its contract.
//
// The C files run when the rt binary is started as the stage (environment
// variable _RT_STAGE set): a constructor takes over before the Go runtime
// starts, maps the plan, executes its operations in order and execs the
// container's process. It decides nothing. This Go package owns the plan's
// binary encoding and the sync messages, and the tables whose values the
// plan carries (namespaces.go); it never touches the kernel.
//
// Imports: nothing of rt's. Every other layer builds on it, so it must not
// import any of them (internal/archtest checks it).
package nsenter

//go:generate go run ./errwordsgen errwords.h

// #cgo CFLAGS: -Wall -Wextra -Werror -std=gnu11
// #include "plan.h"
import "C"

// Code is an operation code; the values come from plan.h, so Go and C
// cannot drift apart.
type Code uint32

// Operation codes (see plan.h for each one's arguments).
const (
	OpSetns         Code = C.OP_SETNS
	OpUnshare       Code = C.OP_UNSHARE
	OpUsermap       Code = C.OP_USERMAP
	OpSetidRoot     Code = C.OP_SETID_ROOT
	OpFork          Code = C.OP_FORK
	OpSync          Code = C.OP_SYNC
	OpSetsid        Code = C.OP_SETSID
	OpOpenRoot      Code = C.OP_OPEN_ROOT
	OpMount         Code = C.OP_MOUNT
	OpRemountKeep   Code = C.OP_REMOUNT_KEEP
	OpMkdir         Code = C.OP_MKDIR
	OpMkfile        Code = C.OP_MKFILE
	OpMknod         Code = C.OP_MKNOD
	OpSymlink       Code = C.OP_SYMLINK
	OpPivotRoot     Code = C.OP_PIVOT_ROOT
	OpMoveRoot      Code = C.OP_MOVE_ROOT
	OpSethostname   Code = C.OP_SETHOSTNAME
	OpSetdomainname Code = C.OP_SETDOMAINNAME
	OpWriteFile     Code = C.OP_WRITE_FILE
	OpConsole       Code = C.OP_CONSOLE
	OpRlimit        Code = C.OP_RLIMIT
	OpGroup         Code = C.OP_GROUP
	OpUser          Code = C.OP_USER
	OpUmask         Code = C.OP_UMASK
	OpCapsBounding  Code = C.OP_CAPS_BOUNDING
	OpCaps          Code = C.OP_CAPS
	OpCapsAmbient   Code = C.OP_CAPS_AMBIENT
	OpNoNewPrivs    Code = C.OP_NO_NEW_PRIVS
	OpChdir         Code = C.OP_CHDIR
	OpArg           Code = C.OP_ARG
	OpEnv           Code = C.OP_ENV
	OpCloseFrom     Code = C.OP_CLOSE_FROM
	OpReady         Code = C.OP_READY
	OpWaitStart     Code = C.OP_WAIT_START
	OpFindExec      Code = C.OP_FIND_EXEC
	OpExec          Code = C.OP_EXEC
	OpMask          Code = C.OP_MASK
	OpKeyring       Code = C.OP_KEYRING
	OpOpenTree      Code = C.OP_OPEN_TREE
	OpHook          Code = C.OP_HOOK
	OpHookArg       Code = C.OP_HOOK_ARG
	OpHookEnv       Code = C.OP_HOOK_ENV
	OpSeccomp       Code = C.OP_SECCOMP
	OpSched         Code = C.OP_SCHED
	OpIoprio        Code = C.OP_IOPRIO
	OpPersonality   Code = C.OP_PERSONALITY
	OpAffinity      Code = C.OP_AFFINITY
	OpMountSetattr  Code = C.OP_MOUNT_SETATTR
	OpIdmapTree     Code = C.OP_IDMAP_TREE
	OpChroot        Code = C.OP_CHROOT
	OpReadonly      Code = C.OP_READONLY
	OpHideMount     Code = C.OP_HIDE_MOUNT
	OpMempolicy     Code = C.OP_MEMPOLICY
	OpPasswdHome    Code = C.OP_PASSWD_HOME
)

// Op flags.
const (
	FlagInRoot      uint32 = C.RT_F_IN_ROOT
	FlagSrcInRoot   uint32 = C.RT_F_SRC_IN_ROOT
	FlagOptional    uint32 = C.RT_F_OPTIONAL
	FlagNoSetgroups uint32 = C.RT_F_NO_SETGROUPS
	FlagSkipMissing uint32 = C.RT_F_SKIP_MISSING
	FlagBindConsole uint32 = C.RT_F_BIND_CONSOLE
	FlagSrcTree     uint32 = C.RT_F_SRC_TREE
	FlagCopyUp      uint32 = C.RT_F_COPYUP
	FlagTmpfsMode   uint32 = C.RT_F_TMPFS_MODE
	FlagCloseFd     uint32 = C.RT_F_CLOSE_FD
	FlagOrdinaryDir uint32 = C.RT_F_ORDINARY_DIR
	FlagClearONLCR  uint32 = C.RT_F_CLEAR_ONLCR
	FlagDumpable    uint32 = C.RT_F_DUMPABLE
	FlagProcfs      uint32 = C.RT_F_PROCFS
	FlagDeferDenied uint32 = C.RT_F_DEFER_DENIED
	FlagRedo        uint32 = C.RT_F_REDO
	MaxTrees               = C.RT_MAX_TREES

	// Fallbacks (plan.h): Go sets them, the stage only obeys.
	FlagFdLoop        uint32 = C.RT_F_FD_LOOP
	FlagChmodByProc   uint32 = C.RT_F_CHMOD_BY_PROC
	FlagRemountByProc uint32 = C.RT_F_REMOUNT_BY_PROC
	FlagKeepLocked    uint32 = C.RT_F_KEEP_LOCKED
	FlagAlarmTimeout  uint32 = C.RT_F_ALARM_TIMEOUT
	FlagNosysOK       uint32 = C.RT_F_NOSYS_OK
	FlagOwnerAsIs     uint32 = C.RT_F_OWNER_AS_IS
	FlagCoverLocked   uint32 = C.RT_F_COVER_LOCKED
)

// Why a failure with no OS error happened (rt_msg.value of MsgError);
// libct words each.
const (
	WhyErrno        int32 = C.RT_WHY_ERRNO
	WhyPlanBad      int32 = C.RT_WHY_PLAN_BAD
	WhyPlanEnd      int32 = C.RT_WHY_PLAN_END
	WhyHookStatus   int32 = C.RT_WHY_HOOK_STATUS
	WhyHookSignal   int32 = C.RT_WHY_HOOK_SIGNAL
	WhyHookTimeout  int32 = C.RT_WHY_HOOK_TIMEOUT
	WhyFilterSize   int32 = C.RT_WHY_FILTER_SIZE
	WhyListenerSend int32 = C.RT_WHY_LISTENER_SEND
	WhyCloseLeaked  int32 = C.RT_WHY_CLOSE_LEAKED
)

// The plan's own flags (plan.h RT_PLAN_F_*), in its header.
const (
	// PlanKeepLeaked: no close_range (Linux < 5.9); the fds above the
	// plan's are left to OP_CLOSE_FROM.
	PlanKeepLeaked uint32 = C.RT_PLAN_F_KEEP_LEAKED
)

// Sync message types.
const (
	MsgUsermapReq uint32 = C.MSG_USERMAP_REQ
	MsgPid        uint32 = C.MSG_PID
	MsgSync       uint32 = C.MSG_SYNC
	MsgReady      uint32 = C.MSG_READY
	MsgError      uint32 = C.MSG_ERROR
	MsgContinue   uint32 = C.MSG_CONTINUE
	MsgSeccompFd  uint32 = C.MSG_SECCOMP_FD
	MsgWarning    uint32 = C.MSG_WARNING
)

const (
	planMagic  = C.RT_PLAN_MAGIC
	strNone    = C.RT_STR_NONE
	opSize     = C.sizeof_struct_rt_op
	headerSize = C.sizeof_struct_rt_plan_header
	msgSize    = C.sizeof_struct_rt_msg
	detailSize = 256
)
