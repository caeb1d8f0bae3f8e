package nsenter

// #include "plan.h"
import "C"

import "strconv"

// The seal helper's contract (plan.h, seal.c): the environment that starts
// the rt binary as the helper, and the steps its failure report names.
const (
	SealEnv      = C.RT_SEAL_ENV
	SealLowerEnv = C.RT_SEAL_LOWER_ENV
	SealNameEnv  = C.RT_SEAL_NAME_ENV
)

// SealStepName words a step of the seal helper's failure report.
func SealStepName(step int32) string {
	switch step {
	case C.RT_SEAL_FSOPEN:
		return `fsopen("overlay")`
	case C.RT_SEAL_LOWERDIR:
		return "fsconfig lowerdir"
	case C.RT_SEAL_CREATE:
		return "fsconfig create"
	case C.RT_SEAL_FSMOUNT:
		return "fsmount"
	case C.RT_SEAL_OPEN:
		return "open the binary in the overlayfs"
	}
	return "step " + strconv.Itoa(int(step))
}
