// Command ssrundb runs orchestrator.Main as `ssrun db` would. Tests and bench/db/run.sh build it until
// (and besides) the real ssrun binary wires `ssrun db` to the same function.
package main

import (
	"os"

	"github.com/ssrun/ssrun/orchestrator"
)

func main() {
	os.Exit(orchestrator.Main(os.Args[1:], os.Stdout, os.Stderr))
}
