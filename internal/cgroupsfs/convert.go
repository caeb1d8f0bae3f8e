package cgroupsfs

// SharesToWeight is the cpu.shares → cpu.weight map rt writes on cgroup2
// (sharesToWeight), for the systemd driver's CPUWeight.
func SharesToWeight(shares uint64) uint64 { return sharesToWeight(shares) }

// BlkioToIOWeight is the blkio.weight → io.weight map rt writes on cgroup2
// (blkioToIOWeight), for the systemd driver's IOWeight.
func BlkioToIOWeight(weight uint16) uint64 { return blkioToIOWeight(weight) }
