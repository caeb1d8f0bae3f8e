package libct

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// criuCheckFile caches `criu check`'s verdict in --root, keyed on the criu
// binary and the kernel, so that `rt features` asks CRIU only once per
// criu and kernel (the check takes a tenth of a second or more).
const criuCheckFile = ".criu-check"

// CriuWorks says whether checkpoint and restore can work here: criu is in
// PATH and `criu check` passes on this kernel. The verdict is cached in
// root when rt may write there.
func CriuWorks(root string) bool {
	bin, err := exec.LookPath("criu")
	if err != nil {
		return false
	}
	key := criuCheckKey(bin)
	cache := filepath.Join(root, criuCheckFile)
	if data, err := os.ReadFile(cache); err == nil {
		if k, verdict, ok := strings.Cut(string(data), "\n"); ok && k == key {
			return verdict == "ok"
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ok := exec.CommandContext(ctx, bin, "check").Run() == nil
	verdict := "fail"
	if ok {
		verdict = "ok"
	}
	if CheckRoot(root) == nil {
		writeFileAtomic(cache, []byte(key+"\n"+verdict), 0o600)
	}
	return ok
}

// criuCheckKey names the criu binary (path, size, mtime) and the kernel.
func criuCheckKey(bin string) string {
	var st unix.Stat_t
	unix.Stat(bin, &st)
	var u unix.Utsname
	unix.Uname(&u)
	return fmt.Sprintf("%s %d %d %s %s", bin, st.Size, st.Mtim.Nano(), unix.ByteSliceToString(u.Release[:]),
		unix.ByteSliceToString(u.Version[:]))
}
