package libct

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkList lists a root of 1000 stopped containers, from the index
// (the first List builds it).
func BenchmarkList(b *testing.B) {
	root := b.TempDir()
	for i := 0; i < 1000; i++ {
		writeState(b, root, fmt.Sprintf("c%04d", i), State{OCIVersion: "1.2.0", Pid: 1 << 30, PidStart: 1,
			Bundle: "/bundles/b", Rootfs: "/bundles/b/rootfs", Created: time.Now().UTC()})
	}
	if _, err := List(root); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cs, err := List(root)
		if err != nil || len(cs) != 1000 {
			b.Fatal(len(cs), err)
		}
		for _, c := range cs {
			c.Status()
		}
	}
}
