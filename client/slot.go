package client

import "strings"

// slotCount is the number of hash slots of a Redis cluster.
const slotCount = 16384

// crc16 is CRC-16/XMODEM (polynomial 0x1021, initial value 0), the checksum Redis Cluster hashes keys with.
func crc16(data []byte) uint16 {
	var crc uint16
	for _, b := range data {
		crc ^= uint16(b) << 8
		for i := 0; i < 8; i++ {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// hashTag returns the part of key that decides its slot, following Redis: the text between the first
// '{' and the next '}' when that text is non-empty, else the whole key.
func hashTag(key string) string {
	open := strings.IndexByte(key, '{')
	if open < 0 {
		return key
	}
	end := strings.IndexByte(key[open+1:], '}')
	if end <= 0 {
		return key
	}
	return key[open+1 : open+1+end]
}

// keySlot is the cluster slot of key.
func keySlot(key string) int {
	return int(crc16([]byte(hashTag(key))) % slotCount)
}

// crcPoly is x^16 + x^12 + x^5 + 1, the CRC-16/XMODEM generator with its leading term.
const crcPoly = 0x11021

// shardPrefix returns the string SmartRedis puts inside braces to pin a key to the slot range starting at
// slot: the shortest message (two bytes, or three when two would contain a brace) whose CRC16 equals slot.
// Using SmartRedis's exact prefixes keeps per-shard model keys such as "{8M}.mlp" identical to the ones a
// SmartRedis client builds, so both kinds of clients find each other's models on a cluster.
//
// The message is found by polynomial division run backwards: starting from the remainder (the slot), the
// polynomial is XORed in at each low bit position that is set until the low 16 bits are clear; the bits
// above them are then a message M with M·x^16 ≡ slot (mod poly), i.e. CRC16(M) = slot. If M contains '{'
// or '}', one more bit position is cleared at a time, which changes M (and may lengthen it) until it does
// not.
func shardPrefix(slot int) string {
	r := uint64(slot)
	clearBit := func(pos uint) {
		if r&(1<<pos) != 0 {
			r ^= crcPoly << pos
		}
	}
	bits := uint(16)
	for pos := uint(0); pos < bits; pos++ {
		clearBit(pos)
	}
	for {
		n := int(bits+7) / 8
		p := messageBytes(r>>16, n)
		if !strings.ContainsAny(p, "{}") {
			return p
		}
		clearBit(bits)
		bits++
	}
}

// messageBytes renders the low n bytes of m big-endian, the order in which CRC consumes them.
func messageBytes(m uint64, n int) string {
	b := make([]byte, n)
	for i := n - 1; i >= 0; i-- {
		b[i] = byte(m)
		m >>= 8
	}
	return string(b)
}
