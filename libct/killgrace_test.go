package libct

import (
	"os"
	"os/signal"
	"testing"

	"golang.org/x/sys/unix"
)

func TestInitSignalState(t *testing.T) {
	signal.Notify(make(chan os.Signal, 1), unix.SIGUSR2)
	nsInit, handled, err := initSignalState(os.Getpid(), unix.SIGUSR2)
	if err != nil {
		t.Fatal(err)
	}
	if nsInit {
		t.Error("the test process is not the init of its PID namespace")
	}
	if !handled {
		t.Error("SIGUSR2 is caught (signal.Notify) but SigCgt did not show it")
	}
	if _, _, err := initSignalState(1<<30, unix.SIGTERM); err == nil {
		t.Error("a pid that does not exist gave no error")
	}
}
