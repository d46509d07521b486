package orchestrator

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// mixedLoad runs clients × ops mixed operations (SET, GET, INCR, HSET/HGET, RPUSH/LLEN, AI.TENSORSET/
// AI.TENSORGET, DEL) against the shard that owns each client's keys (a {tag} per client), pipelined in
// batches, and checks every reply against the client's own model of its keys: no value may be lost or
// wrong. addrFor maps a slot to its shard's address.
func mixedLoad(t *testing.T, clients, ops int, addrFor func(slot int) string) {
	var wg sync.WaitGroup
	errs := make(chan string, clients)
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			tag := fmt.Sprintf("{c%d}", c)
			nc, err := net.Dial("tcp", addrFor(KeySlot([]byte(tag))))
			if err != nil {
				errs <- err.Error()
				return
			}
			defer nc.Close()
			br, bw := bufio.NewReader(nc), bufio.NewWriter(nc)
			strs, counter, hash, listLen := map[int]string{}, 0, map[int]string{}, 0
			type expect struct {
				cmd  string
				want string
			}
			const batch = 50
			for done := 0; done < ops; done += batch {
				var exp []expect
				for i := done; i < done+batch && i < ops; i++ {
					k := i % 97
					var args []string
					var want string
					switch i % 9 {
					case 0:
						v := fmt.Sprintf("v%d-%d", c, i)
						args, want = []string{"SET", fmt.Sprintf("%ss%d", tag, k), v}, "+OK\r\n"
						strs[k] = v
					case 1:
						v, ok := strs[(k+96)%97]
						args = []string{"GET", fmt.Sprintf("%ss%d", tag, (k+96)%97)}
						want = "$-1\r\n"
						if ok {
							want = fmt.Sprintf("$%d\r\n%s\r\n", len(v), v)
						}
					case 2:
						counter++
						args, want = []string{"INCR", tag + "n"}, fmt.Sprintf(":%d\r\n", counter)
					case 3:
						v := strconv.Itoa(i)
						_, existed := hash[k]
						hash[k] = v
						args, want = []string{"HSET", tag + "h", "f" + strconv.Itoa(k), v}, ":1\r\n"
						if existed {
							want = ":0\r\n"
						}
					case 4:
						v, ok := hash[k]
						args, want = []string{"HGET", tag + "h", "f" + strconv.Itoa(k)}, "$-1\r\n"
						if ok {
							want = fmt.Sprintf("$%d\r\n%s\r\n", len(v), v)
						}
					case 5:
						listLen++
						args, want = []string{"RPUSH", tag + "l", strconv.Itoa(i)}, fmt.Sprintf(":%d\r\n", listLen)
					case 6:
						args, want = []string{"LLEN", tag + "l"}, fmt.Sprintf(":%d\r\n", listLen)
					case 7:
						args, want = []string{"AI.TENSORSET", tag + "t", "INT32", "2", "VALUES", strconv.Itoa(i), strconv.Itoa(c)}, "+OK\r\n"
					case 8:
						prev := i - 1
						args = []string{"AI.TENSORGET", tag + "t", "VALUES"}
						want = fmt.Sprintf("*2\r\n:%d\r\n:%d\r\n", prev, c)
					}
					bw.Write(encodeCommand(args...))
					exp = append(exp, expect{strings.Join(args, " "), want})
				}
				if err := bw.Flush(); err != nil {
					errs <- err.Error()
					return
				}
				for _, e := range exp {
					got, err := readRawReply(br)
					if err != nil || got != e.want {
						errs <- fmt.Sprintf("client %d: %s = %q (%v), want %q", c, e.cmd, got, err, e.want)
						return
					}
				}
			}
		}(c)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// 64 clients × 10,000 mixed operations on one shard: every reply is what the client's own model says.
func TestLoadMixedOpsOneShard(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	s := startServer(t, Config{Port: 0})
	mixedLoad(t, 64, 10000, func(int) string { return s.Addr() })
}

// The same on a three-shard cluster, each client talking to the shard that owns its keys.
func TestLoadMixedOpsThreeShards(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	servers := startCluster(t)
	mixedLoad(t, 64, 10000, func(slot int) string {
		for i, r := range testRanges {
			if slot >= r.Start && slot <= r.End {
				return servers[i].Addr()
			}
		}
		t.Fatalf("slot %d has no shard", slot)
		return ""
	})
}

// A full disk during a snapshot (a 1 MiB tmpfs) leaves the previous snapshot intact, BGSAVE reports
// the failure as Redis does (rdb_last_bgsave_status:err, then MISCONF on writes with save points), and
// the shard restarted on that directory loads the previous snapshot.
func TestFullDiskDuringSnapshot(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "small")
	os.Mkdir(dir, 0o755)
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs (needs root and CAP_SYS_ADMIN): %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	s := startServer(t, Config{Port: 0, Dir: dir, Save: "3600 1"})
	c := dial(t, "tcp", s.Addr())
	c.Do("SET", "small", "kept")
	if got := c.Do("SAVE"); got != "+OK\r\n" {
		t.Fatalf("first SAVE = %q", got)
	}
	before, _ := os.ReadFile(filepath.Join(dir, "dump-test.ssdb"))
	big := strings.Repeat("x", 700<<10)
	c.Do("SET", "big1", big)
	c.Do("SET", "big2", big)
	if got := c.Do("BGSAVE"); got != "+Background saving started\r\n" {
		t.Fatalf("BGSAVE = %q", got)
	}
	waitFor(t, func() bool { return strings.Contains(c.Do("INFO", "persistence"), "rdb_last_bgsave_status:err") })
	after, _ := os.ReadFile(filepath.Join(dir, "dump-test.ssdb"))
	if string(after) != string(before) {
		t.Error("the previous snapshot changed after a failed BGSAVE")
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, "temp-*")); len(matches) != 0 {
		t.Errorf("temporary files left on the full disk: %v", matches)
	}
	if got := c.Do("SET", "k", "v"); got != "-"+misconfRDB+"\r\n" {
		t.Errorf("write after the failed BGSAVE = %q", got)
	}
	if got := c.Do("SAVE"); !strings.Contains(got, "no space left on device") {
		t.Errorf("SAVE on the full disk = %q", got)
	}
	s.Close()
	s2 := startServer(t, Config{Port: 0, Dir: dir})
	c2 := dial(t, "tcp", s2.Addr())
	if got := c2.Do("GET", "small"); got != "$4\r\nkept\r\n" {
		t.Errorf("previous snapshot after restart: GET small = %q", got)
	}
	if got := c2.Do("EXISTS", "big1"); got != ":0\r\n" {
		t.Errorf("EXISTS big1 = %q", got)
	}
}
