package orchestrator

import (
	"strings"

	"github.com/ssrun/ssrun/orchestrator/command"
)

// Subcommand help, in Redis's layout: an array of status lines, the first naming the syntax.
var subcommandHelp = map[string][]string{
	"CLIENT": {
		"ID", "    Return the ID of the current connection.",
		"GETNAME", "    Return the name of the current connection.",
		"SETNAME <name>", "    Assign the name <name> to the current connection.",
		"SETINFO <LIB-NAME|LIB-VER> <value>", "    Record the client library's name or version.",
		"INFO", "    Return information about the current client connection.",
		"LIST", "    Return information about client connections.",
		"HELP", "    Print this help.",
	},
	"CONFIG": {
		"GET <pattern> [<pattern> ...]", "    Return parameters matching the glob-like <pattern> and their values.",
		"SET <directive> <value> [<directive> <value> ...]", "    Set the configuration <directive> to <value>.",
		"RESETSTAT", "    Reset statistics reported by the INFO command.",
		"HELP", "    Print this help.",
	},
	"CLUSTER": {
		"INFO", "    Return information about the cluster.",
		"MYID", "    Return the node id.",
		"NODES", "    Return cluster configuration seen by node.",
		"SLOTS", "    Return information about slots range mappings.",
		"SHARDS", "    Return information about slot range mappings and the nodes associated with them.",
		"KEYSLOT <key>", "    Return the hash slot for <key>.",
		"COUNTKEYSINSLOT <slot>", "    Return the number of keys in <slot>.",
		"GETKEYSINSLOT <slot> <count>", "    Return key names stored by current node in a slot.",
		"HELP", "    Print this help.",
	},
	"COMMAND": {
		"(no subcommand)", "    Return details about all commands.",
		"COUNT", "    Return the total number of commands in this server.",
		"INFO [<command-name> ...]", "    Return details about multiple commands.",
		"DOCS [<command-name> ...]", "    Return documentation details about multiple commands.",
		"HELP", "    Print this help.",
	},
}

// replyHelp answers "<CMD> HELP" and reports whether args asked for it.
func replyHelp(r command.Reply, args [][]byte) bool {
	if len(args) != 2 || upper(string(args[1])) != "HELP" {
		return false
	}
	name := upper(string(args[0]))
	lines := subcommandHelp[name]
	r.Array(len(lines) + 1)
	r.SimpleString(name + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
	for _, l := range lines {
		r.SimpleString(l)
	}
	return true
}

// unknownSubcommand is Redis's reply to a subcommand it does not know.
func unknownSubcommand(args [][]byte) string {
	return "ERR unknown subcommand '" + string(args[1]) + "'. Try " + strings.ToUpper(string(args[0])) + " HELP."
}
