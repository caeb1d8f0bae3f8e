#!/usr/bin/env bash
# mkimage.sh ROOTFS OUTDIR — turn a root filesystem directory into
#   OUTDIR/rootfs.tar      a plain tarball (for `podman import`)
#   OUTDIR/oci.tar         an OCI image archive (for `ctr images import`), one layer,
#                          named docker.io/library/busybox:latest
#   OUTDIR/pause-oci.tar   the same layer, named localhost/rt-pause:latest, whose
#                          command sleeps forever (a CRI sandbox image)
# Built by hand with tar, gzip, sha256sum and jq: no registry, no daemon.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: mkimage.sh ROOTFS OUTDIR" >&2; exit 2; }
rootfs=$1 out=$2
mkdir -p "$out"
# Reproducible tarball: sorted names, fixed times and owners as on disk.
tar --sort=name --mtime=@0 --numeric-owner -C "$rootfs" -cf "$out/rootfs.tar" .

sha() { sha256sum "$1" | cut -d' ' -f1; }

# oci_archive NAME CMD_JSON OUT.tar
oci_archive() {
	local name=$1 cmd=$2 dest=$3 d diffid layer cfg man
	d=$(mktemp -d "$out/oci.XXXXXX")
	mkdir -p "$d/blobs/sha256"
	diffid=$(sha "$out/rootfs.tar")
	gzip -n -c "$out/rootfs.tar" >"$d/layer.tgz"
	layer=$(sha "$d/layer.tgz")
	mv "$d/layer.tgz" "$d/blobs/sha256/$layer"
	jq -cn --arg diff "sha256:$diffid" --argjson cmd "$cmd" '{
		architecture: "amd64", os: "linux", created: "1970-01-01T00:00:00Z",
		config: {Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: $cmd, WorkingDir: "/"},
		rootfs: {type: "layers", diff_ids: [$diff]},
		history: [{created: "1970-01-01T00:00:00Z", created_by: "tests/clients/mkimage.sh"}]
	}' >"$d/config.json"
	cfg=$(sha "$d/config.json")
	jq -cn --arg cfg "sha256:$cfg" --argjson cfgsize "$(stat -c %s "$d/config.json")" \
		--arg layer "sha256:$layer" --argjson layersize "$(stat -c %s "$d/blobs/sha256/$layer")" '{
		schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
		config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $cfg, size: $cfgsize},
		layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $layer, size: $layersize}]
	}' >"$d/manifest.json"
	mv "$d/config.json" "$d/blobs/sha256/$cfg"
	man=$(sha "$d/manifest.json")
	jq -cn --arg man "sha256:$man" --argjson mansize "$(stat -c %s "$d/manifest.json")" --arg name "$name" '{
		schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
		manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $man, size: $mansize,
			annotations: {"io.containerd.image.name": $name, "org.opencontainers.image.ref.name": ($name | sub(".*:"; ""))},
			platform: {architecture: "amd64", os: "linux"}}]
	}' >"$d/index.json"
	mv "$d/manifest.json" "$d/blobs/sha256/$man"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$d/oci-layout"
	tar --sort=name --mtime=@0 --owner=0 --group=0 -C "$d" -cf "$dest" oci-layout index.json blobs
	rm -rf "$d"
}

oci_archive docker.io/library/busybox:latest '["sh"]' "$out/oci.tar"
oci_archive localhost/rt-pause:latest '["sleep","2147483647"]' "$out/pause-oci.tar"
