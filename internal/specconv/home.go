package specconv

import "strings"

// passwdFile is where the process user's home is looked up, in the root.
const passwdFile = "/etc/passwd"

// homeEnv says which entries of env reach the process and whether HOME
// is looked up in the container's passwd file, as runc's init does: the
// last HOME of the list is the one kept, and an empty one counts as none.
// A process with no environment at all (noEnv) gets none, as in runc.
//
// The lookup is the C stage's (OP_PASSWD_HOME): the passwd file the
// process will see is known only once the mounts are made and the
// createContainer hooks have run, inside the container's root.
func homeEnv(env []string, noEnv bool) (keep []bool, fromPasswd bool) {
	keep = make([]bool, len(env))
	last := -1
	for i, e := range env {
		keep[i] = true
		if strings.HasPrefix(e, "HOME=") {
			keep[i] = false
			last = i
		}
	}
	if last >= 0 && env[last] != "HOME=" {
		keep[last] = true
		return keep, false
	}
	return keep, !noEnv
}
