package client

import (
	"strings"
	"testing"
)

func TestShardPrefixMatchesSmartRedisExamples(t *testing.T) {
	// Prefixes observed from SmartRedis (wire reference §3.4).
	cases := map[int]string{0: "\x00\x00", 5461: "8M", 10923: "\xed\xeb", 16383: "H\xd7"}
	for slot, want := range cases {
		if got := shardPrefix(slot); got != want {
			t.Errorf("shardPrefix(%d) = %q, want %q", slot, got, want)
		}
	}
}

func TestShardPrefixHashesToItsSlotForEverySlot(t *testing.T) {
	longer := 0
	for slot := 0; slot < slotCount; slot++ {
		p := shardPrefix(slot)
		if strings.ContainsAny(p, "{}") {
			t.Fatalf("slot %d: prefix %q contains a brace", slot, p)
		}
		if len(p) < 2 || len(p) > 3 {
			t.Fatalf("slot %d: prefix %q has length %d", slot, p, len(p))
		}
		if len(p) == 3 {
			longer++
		}
		if got := keySlot("{" + p + "}.model"); got != slot {
			t.Fatalf("slot %d: key {%q}.model hashes to %d", slot, p, got)
		}
	}
	if longer == 0 {
		t.Fatal("no slot needed a three-byte prefix; the brace avoidance was never exercised")
	}
}

func TestKeySlotFollowsRedisHashTags(t *testing.T) {
	cases := []struct {
		key  string
		want int
	}{
		{"foo", 12182},        // Redis's documented example (MOVED 12182 in the reference)
		{"{foo}.meta", 12182}, // the tag decides
		{"p0.{foo}.x", 12182}, // text outside the braces does not matter
	}
	for _, c := range cases {
		if got := keySlot(c.key); got != c.want {
			t.Errorf("keySlot(%q) = %d, want %d", c.key, got, c.want)
		}
	}
	if keySlot("{}foo") == keySlot("foo") {
		t.Error("an empty hash tag must hash the whole key, not the text after it")
	}
}
