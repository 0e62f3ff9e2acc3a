// The node's sandbox ("pause") container: it holds a pod's namespaces open and does nothing else.
// No pause image can be pulled here, so this one is built from source: a static binary that
// sleeps until SIGTERM or SIGINT (what containerd sends when it stops the sandbox) and exits 0.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
}
