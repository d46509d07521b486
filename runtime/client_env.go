package runtime

import "strings"

// maxSSDBEntries caps the addresses in one SSDB variable, as SmartSim does.
const maxSSDBEntries = 128

// dbClientEnv is what SmartSim's _prep_entity_client_env adds for the databases: for every running
// database SSDB<sfx> (its shards' addresses, comma-joined) and SR_DB_TYPE<sfx> (Clustered for more
// than one address), then the model's colocated database if it has one. SSKEYIN and SSKEYOUT are set by
// jobEnv from the model's own settings.
func (e *Experiment) dbClientEnv(m *Model) []Arg {
	var out []Arg
	for _, o := range e.dbs().list() {
		o.mu.Lock()
		addrs := o.addressesLocked()
		o.mu.Unlock()
		if len(addrs) > maxSSDBEntries {
			addrs = addrs[:maxSSDBEntries]
		}
		out = append(out, ssdbVars(dbSuffix(o.Name), addrs)...)
	}
	if c := colocationOf(m); c != nil {
		out = append(out, ssdbVars(dbSuffix(c.DBIdentifier), []string{c.address()})...)
	}
	return out
}

func ssdbVars(suffix string, addrs []string) []Arg {
	kind := "Standalone"
	if len(addrs) > 1 {
		kind = "Clustered"
	}
	return []Arg{{Key: "SSDB" + suffix, Value: strings.Join(addrs, ",")}, {Key: "SR_DB_TYPE" + suffix, Value: kind}}
}
