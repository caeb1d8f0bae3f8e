package libct_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"slices"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/libct"
)

// busyboxSpec is a small config for a busybox root filesystem in
// BUNDLE/rootfs that runs args. A program may as well read a bundle's
// config.json (leave CreateOptions.Spec nil).
func busyboxSpec(args ...string) *specs.Spec {
	return &specs.Spec{
		Version: specs.Version,
		Root:    &specs.Root{Path: "rootfs"},
		Process: &specs.Process{Args: args, Cwd: "/", Env: []string{"PATH=/bin:/sbin:/usr/bin:/usr/sbin"}},
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc"},
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
		},
		Linux: &specs.Linux{Namespaces: []specs.LinuxNamespace{
			{Type: specs.PIDNamespace}, {Type: specs.MountNamespace}, {Type: specs.IPCNamespace}, {Type: specs.UTSNamespace},
		}},
	}
}

// runBusybox runs a container from bundle through libct alone: it creates
// and starts one (`sleep 60`), pauses it, lists its processes, resumes
// it, runs `echo` in it with ExecAndWait, deletes
// it, then runs `echo` as a container of its own with Run, which waits
// for it and deletes it. Output goes to out. It returns Run's exit status.
func runBusybox(ctx context.Context, root, bundle, id string, out *os.File) (int, error) {
	o := libct.CreateOptions{Root: root, ID: id, Bundle: bundle, Spec: busyboxSpec("sleep", "60"),
		Stdio: [3]*os.File{nil, out, out}}
	c, err := libct.Create(ctx, o)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	if err := c.Start(ctx); err != nil {
		c.Delete(ctx, true)
		return 0, err
	}
	if err := pauseAndResume(ctx, c); err != nil {
		c.Delete(ctx, true)
		return 0, err
	}
	echo := &specs.Process{Args: []string{"echo", "hello from exec"}, Cwd: "/", Env: o.Spec.Process.Env}
	status, err := c.ExecAndWait(ctx, libct.ExecOptions{Process: echo, Stdio: o.Stdio}, libct.Foreground{})
	if err != nil || status != 0 {
		c.Delete(ctx, true)
		return status, fmt.Errorf("exec: status %d, %v", status, err)
	}
	if err := c.Delete(ctx, true); err != nil {
		return 0, err
	}
	// The errors are typed: a deleted container does not exist.
	if _, err := libct.Load(root, id, false); !errors.Is(err, libct.ErrNotExist) {
		return 0, fmt.Errorf("after delete: %v", err)
	}
	o.Spec = busyboxSpec("echo", "hello from run")
	return libct.Run(ctx, o, libct.Foreground{})
}

// pauseAndResume freezes c, checks that its init is among its processes,
// and thaws it.
func pauseAndResume(ctx context.Context, c *libct.Container) error {
	if err := c.Pause(ctx); err != nil {
		return err
	}
	pids, err := c.Processes(ctx)
	if err != nil {
		return err
	}
	if !slices.Contains(pids, c.State.Pid) {
		return fmt.Errorf("processes %v, without the init %d", pids, c.State.Pid)
	}
	return c.Resume(ctx)
}

// Example runs busybox containers through libct, without rt's command
// line. It needs root, and a bundle directory holding a busybox root
// filesystem in rootfs/ (tests/mkbundle.sh DIR makes one). A field error
// in the config would be found with errors.As and a *libct.FieldError.
func Example() {
	if os.Geteuid() != 0 {
		log.Fatal("libct needs root")
	}
	status, err := runBusybox(context.Background(), "/run/rt-example", "/var/lib/rt-example/busybox", "example", os.Stdout)
	var field *libct.FieldError
	if errors.As(err, &field) {
		log.Fatalf("config field %s: %v", field.Field, field.Err)
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("exit status", status)
}
