// Command manifest writes the dashboard's scale fixture (package dashboard/scalefixture): the manifest
// of an experiment of N members, without running it, for timing its readers.
//
//	go run ./bench/dashboard/manifest N DIR
package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/ssrun/ssrun/dashboard/scalefixture"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: manifest N DIR")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[1])
	if err != nil || n <= 0 {
		fmt.Fprintf(os.Stderr, "manifest: N=%q is not a positive integer\n", os.Args[1])
		os.Exit(2)
	}
	if err := scalefixture.Write(os.Args[2], n, false); err != nil {
		fmt.Fprintln(os.Stderr, "manifest:", err)
		os.Exit(1)
	}
}
