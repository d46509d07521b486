package orchestrator

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

// BindChoice is how `ssrun db --interface` turned network interface names into listening addresses on
// the node the shard runs on. A shard launched by a workload manager cannot know its addresses before
// it lands on a node, so it resolves them there and reports them in its ready line, where the driver
// reads them (SmartSim's redis entrypoint does the same with SMARTSIM_ORC_SHARD_INFO).
type BindChoice struct {
	Addrs []string // IPv4 addresses to bind, the first one advertised
	Node  string   // the workload manager's node name ($SLURMD_NODENAME), else the host name
	Note  string   // what was chosen and why, for the log; "" when every interface was found
}

// nodeEnv is what interface resolution reads of its surroundings; tests replace it.
type nodeEnv struct {
	getenv        func(string) string
	hostname      func() (string, error)
	interfaceAddr func(name string) (string, error)
	lookupHost    func(host string) ([]string, error)
	scontrolNode  func(ctx context.Context, node string) (string, error)
	interfaceList func() []string
}

func realNodeEnv() nodeEnv {
	return nodeEnv{getenv: os.Getenv, hostname: os.Hostname, interfaceAddr: interfaceIPv4,
		lookupHost: net.LookupHost, scontrolNode: scontrolShowNode, interfaceList: interfaceNames}
}

// ResolveBinds resolves the interfaces on this node. fallback allows a missing interface to be
// replaced by the address the workload manager knows the node by (SmartSim's default interface,
// ipogif0, exists only on Cray machines); nodeAddr asks for that address directly (interface=None).
// An interface that is missing without fallback is an error naming the node and its interfaces.
func ResolveBinds(ifaces []string, fallback, nodeAddr bool) (BindChoice, error) {
	return resolveBinds(realNodeEnv(), ifaces, fallback, nodeAddr)
}

func resolveBinds(env nodeEnv, ifaces []string, fallback, nodeAddr bool) (BindChoice, error) {
	var bc BindChoice
	bc.Node = nodeName(env)
	var missing []string
	for _, name := range ifaces {
		addr, err := env.interfaceAddr(name)
		if err != nil {
			missing = append(missing, name)
			continue
		}
		if !slices.Contains(bc.Addrs, addr) {
			bc.Addrs = append(bc.Addrs, addr)
		}
	}
	if len(missing) > 0 && !fallback {
		return bc, fmt.Errorf("interface %s not found on node %s (it has %s); pass an interface of this node, or interface=None to bind the address the workload manager knows the node by",
			strings.Join(missing, ","), bc.Node, strings.Join(env.interfaceList(), ", "))
	}
	if !nodeAddr && len(bc.Addrs) > 0 {
		if len(missing) > 0 {
			bc.Note = fmt.Sprintf("interface %s not found on node %s; binding %s only", strings.Join(missing, ","), bc.Node, strings.Join(bc.Addrs, ","))
		}
		return bc, nil
	}
	addr, how, err := nodeAddress(env, bc.Node)
	if err != nil {
		return bc, err
	}
	bc.Addrs = append([]string{addr}, bc.Addrs...)
	if len(missing) > 0 {
		bc.Note = fmt.Sprintf("interface %s not found on node %s; binding %s, %s", strings.Join(missing, ","), bc.Node, addr, how)
	} else {
		bc.Note = fmt.Sprintf("binding %s, %s", addr, how)
	}
	return bc, nil
}

// nodeName is the scheduler's name for this node: Slurm tells its tasks in SLURMD_NODENAME (several
// slurmd may share one host, as on the test cluster), other schedulers by the host name.
func nodeName(env nodeEnv) string {
	if n := env.getenv("SLURMD_NODENAME"); n != "" {
		return n
	}
	h, _ := env.hostname()
	return h
}

// nodeAddress is the address the workload manager knows the node by: Slurm's NodeAddr inside a Slurm
// step, otherwise the host name resolved to its first IPv4 address.
func nodeAddress(env nodeEnv, node string) (addr, how string, err error) {
	if env.getenv("SLURMD_NODENAME") != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		a, err := env.scontrolNode(ctx, node)
		if err == nil && net.ParseIP(a) != nil {
			return a, "the NodeAddr Slurm knows node " + node + " by", nil
		}
		if err == nil && a != "" { // NodeAddr may be a host name
			if ip, err := firstIPv4(env, a); err == nil {
				return ip, "the NodeAddr (" + a + ") Slurm knows node " + node + " by", nil
			}
		}
	}
	ip, err := firstIPv4(env, node)
	if err != nil {
		return "", "", fmt.Errorf("cannot find an address for node %s: %v", node, err)
	}
	return ip, "the address host name " + node + " resolves to", nil
}

func firstIPv4(env nodeEnv, host string) (string, error) {
	addrs, err := env.lookupHost(host)
	if err != nil {
		return "", err
	}
	for _, a := range addrs {
		if ip := net.ParseIP(a); ip != nil && ip.To4() != nil {
			return ip.String(), nil
		}
	}
	return "", fmt.Errorf("%s has no IPv4 address", host)
}

// scontrolShowNode returns the NodeAddr of `scontrol -o show node NAME`.
func scontrolShowNode(ctx context.Context, node string) (string, error) {
	out, err := exec.CommandContext(ctx, "scontrol", "-o", "show", "node", node).Output()
	if err != nil {
		return "", fmt.Errorf("scontrol show node %s: %v", node, err)
	}
	return parseNodeAddr(string(out))
}

func parseNodeAddr(out string) (string, error) {
	for _, f := range strings.Fields(out) {
		if v, ok := strings.CutPrefix(f, "NodeAddr="); ok {
			return v, nil
		}
	}
	return "", fmt.Errorf("no NodeAddr in scontrol output")
}

// interfaceIPv4 is the first IPv4 address of a network interface; "lo" without one is 127.0.0.1.
func interfaceIPv4(name string) (string, error) {
	ifc, err := net.InterfaceByName(name)
	if err != nil {
		return "", err
	}
	addrs, err := ifc.Addrs()
	if err != nil {
		return "", err
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil {
			return n.IP.String(), nil
		}
	}
	return "", fmt.Errorf("interface %s has no IPv4 address", name)
}

func interfaceNames() []string {
	ifcs, _ := net.Interfaces()
	out := make([]string, 0, len(ifcs))
	for _, i := range ifcs {
		out = append(out, i.Name)
	}
	return out
}
