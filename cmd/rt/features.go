package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"
	"github.com/spf13/cobra"

	"github.com/rt-runtime/rt/internal/rootfs"
	"github.com/rt-runtime/rt/internal/specconv"
	"github.com/rt-runtime/rt/libct"
)

// Annotations of `rt features` (runc's are org.opencontainers.runc.*).
const (
	annotationVersion    = "io.github.rt-runtime.rt.version"
	annotationCommit     = "io.github.rt-runtime.rt.commit"
	annotationLibseccomp = "io.github.seccomp.libseccomp.version"
)

// ociVersionMin is the oldest config.json version rt takes. rt reads every
// 1.x config the same way (later versions only add fields).
const ociVersionMin = "1.0.0"

// hookNames are the hooks rt runs (libct/hooks.go, specconv's
// startContainer ops): all of config.md's, prestart included though
// deprecated.
var hookNames = []string{"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"}

func featuresCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "features",
		Short: "print the OCI features structure: what rt supports on this host",
		Long: "features prints the runtime-spec features.md JSON: the config.json versions,\n" +
			"hooks, mount options, namespaces, capabilities, cgroup, seccomp and LSM support\n" +
			"rt implements. Lists that depend on the host (namespaces, capabilities, seccomp\n" +
			"architectures, actions and flags) are narrowed to what works on this kernel and\n" +
			"libseccomp.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			enc := json.NewEncoder(os.Stdout)
			enc.SetIndent("", "    ")
			return enc.Encode(rtFeatures())
		},
	}
}

// rtFeatures builds the structure from the tables the code uses, so that
// it stays true; tests/bats/features.bats checks each list against what rt
// accepts.
func rtFeatures() *features.Features {
	yes, no := true, false
	systemd, systemdUser := libct.SystemdAvailable()
	idmap := rootfs.IDMapMountsSupported()
	seccomp := specconv.SeccompFeatures()
	f := &features.Features{
		OCIVersionMin: ociVersionMin,
		OCIVersionMax: specs.Version,
		Hooks:         hookNames,
		MountOptions:  rootfs.MountOptionNames(),
		Linux: &features.Linux{
			Namespaces:   specconv.NamespaceNames(),
			Capabilities: specconv.SupportedCapabilityNames(),
			// cgroupsfs drives v1, v2 and hybrid hierarchies, rdma included,
			// through the cgroup filesystem; cgroupsd drives systemd where
			// it answers on D-Bus (the user's instance for systemdUser).
			Cgroup:  &features.Cgroup{V1: &yes, V2: &yes, Systemd: &systemd, SystemdUser: &systemdUser, Rdma: &yes},
			Seccomp: seccomp,
			// features-linux.md: whether rt implements them, whatever the
			// host runs (as runc says true). rt applies
			// process.apparmorProfile, process.selinuxLabel and
			// linux.mountLabel (specconv/lsm.go), and refuses each where
			// the kernel does not run the LSM.
			Apparmor: &features.Apparmor{Enabled: &yes},
			Selinux:  &features.Selinux{Enabled: &yes},
			IntelRdt: &features.IntelRdt{Enabled: &no},
			// uidMappings/gidMappings of bind mounts (idmapped mounts).
			MemoryPolicy:    specconv.MemoryPolicyFeatures(),
			MountExtensions: &features.MountExtensions{IDMap: &features.IDMap{Enabled: &idmap}},
			NetDevices:      &features.NetDevices{Enabled: &no},
		},
		Annotations: map[string]string{
			annotationVersion:    version,
			annotationCommit:     commit,
			annotationLibseccomp: specconv.LibseccompVersion(),
		},
	}
	checkpointAnnotation(f.Annotations)
	logDebug(fmt.Sprintf("features: namespaces %s", strings.Join(f.Linux.Namespaces, ",")))
	if caps := f.Linux.Capabilities; len(caps) > 0 {
		logDebug(fmt.Sprintf("features: %d capabilities, the last %s", len(caps), caps[len(caps)-1]))
	}
	logDebug(fmt.Sprintf("features: libseccomp %s, seccomp flags supported by the kernel: %s",
		specconv.LibseccompVersion(), strings.Join(seccomp.SupportedFlags, ",")))
	return f
}
