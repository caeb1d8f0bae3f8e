// Command cri-smoke drives containerd's CRI plugin (the API the kubelet
// uses) through one pod's life, so that the runtime configured in
// containerd's config.toml (runtime_type io.containerd.runc.v2 with
// BinaryName = rt) is the one that runs the containers:
//
//	RunPodSandbox (host network) → CreateContainer → StartContainer →
//	ExecSync → ContainerStatus → the container's log → StopContainer →
//	RemoveContainer → StopPodSandbox → RemovePodSandbox
//
// After StartContainer it runs `RT --root RTROOT state ID` to prove that rt,
// not runc, holds the container. It prints one line per step and exits 1 at
// the first step that fails, after removing what it created.
//
// No kubelet, no crictl (Debian 12 has no cri-tools): this is the smallest
// CRI client that does the job.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	cri "k8s.io/cri-api/pkg/apis/runtime/v1"
)

var (
	addr      = flag.String("address", "", "containerd's socket")
	rtBin     = flag.String("rt", "", "the rt binary (for `rt state`)")
	rtRoot    = flag.String("rt-root", "", "rt's --root as the shim passes it (options Root + /k8s.io)")
	image     = flag.String("image", "docker.io/library/busybox:latest", "the container's image")
	cgParent  = flag.String("cgroup-parent", "", "the pod's cgroup parent")
	logDir    = flag.String("log-dir", "", "the pod's log directory")
	timeout   = flag.Duration("timeout", 60*time.Second, "the whole run's deadline")
	step      = 0
	failed    = false
	cleanups  []func()
	rtc       cri.RuntimeServiceClient
	ctx       context.Context
	cancelCtx context.CancelFunc
)

func ok(format string, a ...any) {
	step++
	fmt.Printf("ok %d - %s\n", step, fmt.Sprintf(format, a...))
}

func fail(format string, a ...any) {
	step++
	fmt.Printf("not ok %d - %s\n", step, fmt.Sprintf(format, a...))
	failed = true
	finish()
}

func finish() {
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
	cancelCtx()
	if failed {
		os.Exit(1)
	}
	os.Exit(0)
}

func main() {
	flag.Parse()
	if *addr == "" || *rtBin == "" || *rtRoot == "" || *logDir == "" {
		fmt.Fprintln(os.Stderr, "usage: cri-smoke -address SOCK -rt RT -rt-root DIR -log-dir DIR [-cgroup-parent P] [-image REF]")
		os.Exit(2)
	}
	ctx, cancelCtx = context.WithTimeout(context.Background(), *timeout)
	conn, err := grpc.NewClient("unix://"+*addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		fmt.Printf("not ok 1 - connect %s: %v\n", *addr, err)
		os.Exit(1)
	}
	defer conn.Close()
	rtc = cri.NewRuntimeServiceClient(conn)

	v, err := rtc.Version(ctx, &cri.VersionRequest{})
	if err != nil {
		fail("Version: %v", err)
	}
	ok("Version: %s %s (CRI %s)", v.RuntimeName, v.RuntimeVersion, v.RuntimeApiVersion)
	podID, podCfg := runPod()
	ctrID := startContainer(podID, podCfg)
	checkExec(ctrID)
	checkStatus(ctrID)
	checkLog()
	stopContainer(ctrID)
	removeAll(podID, ctrID)
	cleanups = nil
	finish()
}

// runPod runs the pod sandbox (host network) and checks rt holds it.
func runPod() (string, *cri.PodSandboxConfig) {
	podCfg := &cri.PodSandboxConfig{
		Metadata: &cri.PodSandboxMetadata{Name: "rt-clients-pod", Uid: fmt.Sprintf("uid-%d", os.Getpid()), Namespace: "default"},
		// No Hostname: the pod shares the host's network, and so its uts
		// namespace (the kubelet leaves it empty for such pods too).
		LogDirectory: *logDir,
		Linux: &cri.LinuxPodSandboxConfig{
			CgroupParent: *cgParent,
			SecurityContext: &cri.LinuxSandboxSecurityContext{
				NamespaceOptions: &cri.NamespaceOption{Network: cri.NamespaceMode_NODE},
			},
		},
	}
	pod, err := rtc.RunPodSandbox(ctx, &cri.RunPodSandboxRequest{Config: podCfg})
	if err != nil {
		fail("RunPodSandbox: %v", err)
	}
	podID := pod.PodSandboxId
	cleanups = append(cleanups, func() {
		c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_, _ = rtc.StopPodSandbox(c, &cri.StopPodSandboxRequest{PodSandboxId: podID})
		_, _ = rtc.RemovePodSandbox(c, &cri.RemovePodSandboxRequest{PodSandboxId: podID})
	})
	ok("RunPodSandbox: %s", short(podID))
	checkRT(podID, "sandbox")
	return podID, podCfg
}

// startContainer creates and starts the container c1 in the pod, and
// checks rt holds it.
func startContainer(podID string, podCfg *cri.PodSandboxConfig) string {
	ctrCfg := &cri.ContainerConfig{
		Metadata: &cri.ContainerMetadata{Name: "c1"},
		Image:    &cri.ImageSpec{Image: *image},
		Command:  []string{"sh", "-c", "echo hello-from-cri; trap 'exit 0' TERM; while true; do sleep 0.2; done"},
		LogPath:  "c1.log",
		Linux:    &cri.LinuxContainerConfig{},
	}
	cr, err := rtc.CreateContainer(ctx, &cri.CreateContainerRequest{PodSandboxId: podID, Config: ctrCfg, SandboxConfig: podCfg})
	if err != nil {
		fail("CreateContainer: %v", err)
	}
	ctrID := cr.ContainerId
	cleanups = append(cleanups, func() {
		c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_, _ = rtc.StopContainer(c, &cri.StopContainerRequest{ContainerId: ctrID, Timeout: 1})
		_, _ = rtc.RemoveContainer(c, &cri.RemoveContainerRequest{ContainerId: ctrID})
	})
	ok("CreateContainer: %s", short(ctrID))

	if _, err := rtc.StartContainer(ctx, &cri.StartContainerRequest{ContainerId: ctrID}); err != nil {
		fail("StartContainer: %v", err)
	}
	ok("StartContainer")
	checkRT(ctrID, "container")
	return ctrID
}

// checkExec runs ExecSync: its status, stdout and stderr apart.
func checkExec(ctrID string) {
	ex, err := rtc.ExecSync(ctx, &cri.ExecSyncRequest{ContainerId: ctrID, Cmd: []string{"sh", "-c", "echo exec-out; echo exec-err >&2; exit 3"}, Timeout: 10})
	switch {
	case err != nil:
		fail("ExecSync: %v", err)
	case ex.ExitCode != 3 || strings.TrimSpace(string(ex.Stdout)) != "exec-out" || strings.TrimSpace(string(ex.Stderr)) != "exec-err":
		fail("ExecSync: exit %d stdout %q stderr %q, want 3 \"exec-out\" \"exec-err\"", ex.ExitCode, ex.Stdout, ex.Stderr)
	}
	ok("ExecSync: exit status 3, stdout and stderr apart")
}

// checkStatus: the container runs, through the shim with rt as its binary.
func checkStatus(ctrID string) {
	st, err := rtc.ContainerStatus(ctx, &cri.ContainerStatusRequest{ContainerId: ctrID, Verbose: true})
	if err != nil {
		fail("ContainerStatus: %v", err)
	}
	if st.Status.State != cri.ContainerState_CONTAINER_RUNNING {
		fail("ContainerStatus: state %v, want RUNNING", st.Status.State)
	}
	var info struct {
		RuntimeType    string         `json:"runtimeType"`
		RuntimeOptions map[string]any `json:"runtimeOptions"`
	}
	_ = json.Unmarshal([]byte(st.Info["info"]), &info)
	if bn, _ := info.RuntimeOptions["binary_name"].(string); bn != *rtBin {
		fail("ContainerStatus: runtimeOptions.binary_name %q, want %q (runtimeType %q)", bn, *rtBin, info.RuntimeType)
	}
	ok("ContainerStatus: RUNNING, %s with binary_name %s", info.RuntimeType, *rtBin)
}

// checkLog polls (5 s at most) for the container's line in its CRI log.
func checkLog() {
	logPath := filepath.Join(*logDir, "c1.log")
	var logData []byte
	for i := 0; i < 50; i++ {
		logData, _ = os.ReadFile(logPath)
		if strings.Contains(string(logData), "hello-from-cri") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(string(logData), " stdout F hello-from-cri") {
		fail("container log %s: %q, want a CRI line \"... stdout F hello-from-cri\"", logPath, logData)
	}
	ok("container log: %s", strings.TrimSpace(string(logData)))
}

// stopContainer stops c1, which traps SIGTERM and exits 0.
func stopContainer(ctrID string) {
	if _, err := rtc.StopContainer(ctx, &cri.StopContainerRequest{ContainerId: ctrID, Timeout: 10}); err != nil {
		fail("StopContainer: %v", err)
	}
	st, err := rtc.ContainerStatus(ctx, &cri.ContainerStatusRequest{ContainerId: ctrID})
	if err != nil {
		fail("ContainerStatus after stop: %v", err)
	}
	if st.Status.State != cri.ContainerState_CONTAINER_EXITED || st.Status.ExitCode != 0 {
		fail("after StopContainer: state %v exit %d, want EXITED 0 (SIGTERM trapped)", st.Status.State, st.Status.ExitCode)
	}
	ok("StopContainer: EXITED with status 0 (the container trapped SIGTERM)")
}

// removeAll removes the container and the pod, and checks rt holds
// neither any more.
func removeAll(podID, ctrID string) {
	if _, err := rtc.RemoveContainer(ctx, &cri.RemoveContainerRequest{ContainerId: ctrID}); err != nil {
		fail("RemoveContainer: %v", err)
	}
	ok("RemoveContainer")
	if out, err := rtState(ctrID); err == nil {
		fail("rt state %s after RemoveContainer still answers: %s", short(ctrID), out)
	}
	if _, err := rtc.StopPodSandbox(ctx, &cri.StopPodSandboxRequest{PodSandboxId: podID}); err != nil {
		fail("StopPodSandbox: %v", err)
	}
	ok("StopPodSandbox")
	if _, err := rtc.RemovePodSandbox(ctx, &cri.RemovePodSandboxRequest{PodSandboxId: podID}); err != nil {
		fail("RemovePodSandbox: %v", err)
	}
	ok("RemovePodSandbox")
	if out, err := rtState(podID); err == nil {
		fail("rt state %s after RemovePodSandbox still answers: %s", short(podID), out)
	}
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

func rtState(id string) (string, error) {
	out, err := exec.CommandContext(ctx, *rtBin, "--root", *rtRoot, "state", id).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// checkRT proves that rt holds the container: `rt --root ROOT state ID`
// answers with status running.
func checkRT(id, what string) {
	out, err := rtState(id)
	if err != nil {
		fail("%s %s: `%s --root %s state` failed: %v: %s", what, short(id), *rtBin, *rtRoot, err, out)
	}
	var s struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil || s.Status != "running" {
		fail("%s %s: rt state says %q, want status running", what, short(id), out)
	}
	ok("%s %s is running under rt (rt --root %s state)", what, short(id), *rtRoot)
}
