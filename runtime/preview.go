package runtime

import (
	"fmt"
	"strings"
)

// Preview renders what the experiment holds, like SmartSim's plain-text preview(): the experiment, then
// each entity with its members, parameters, run settings and attached files. With no entities it
// shows the experiment alone.
func (e *Experiment) Preview(entities ...Entity) string {
	var b strings.Builder
	b.WriteString("\n=== Experiment Overview ===\n\n")
	fmt.Fprintf(&b, "Experiment Name: %s\nExperiment Path: %s\nLauncher: %s\n", e.Name, e.Path, e.LauncherName)
	if len(entities) == 0 {
		return b.String()
	}
	b.WriteString("\n=== Entity Overview ===\n")
	for _, ent := range entities {
		switch x := ent.(type) {
		case *Ensemble:
			fmt.Fprintf(&b, "\nEnsemble Name: %s\nMembers: %d\nPath: %s\n", x.Name, x.Len(), x.Path)
			if x.Strategy != "" {
				fmt.Fprintf(&b, "Permutation Strategy: %s\nSeed: %d\n", x.Strategy, x.Seed)
			}
			if x.BatchSettings != nil {
				fmt.Fprintf(&b, "Batch Launch: True\nBatch Command: %s\nBatch Arguments: %s\n", x.BatchSettings.Kind, strings.Join(x.BatchSettings.FormatBatchArgs(), " "))
			}
			for _, m := range x.members {
				previewModel(&b, m, "  ")
			}
		case *Model:
			b.WriteString("\n")
			previewModel(&b, x, "")
		}
	}
	return b.String()
}

func previewModel(b *strings.Builder, m *Model, indent string) {
	fmt.Fprintf(b, "%sModel Name: %s\n%sPath: %s\n", indent, m.Name, indent, m.Path)
	if rs := m.RunSettings; rs != nil {
		fmt.Fprintf(b, "%sExecutable: %s\n", indent, rs.Exe)
		if len(rs.ExeArgs) > 0 {
			fmt.Fprintf(b, "%sExecutable Arguments: %s\n", indent, strings.Join(quoteArgs(rs.ExeArgs), " "))
		}
		if rs.RunCommand != "" {
			fmt.Fprintf(b, "%sRun Command: %s\n%sRun Arguments: %s\n", indent, rs.RunCommand, indent, strings.Join(rs.FormatRunArgs(), " "))
		}
		if len(rs.EnvVars) > 0 {
			fmt.Fprintf(b, "%sEnvironment Variables: %s\n", indent, strings.Join(rs.FormatEnvVars(), " "))
		}
	}
	if len(m.Params) > 0 {
		kv := make([]string, len(m.Params))
		for i, p := range m.Params {
			kv[i] = p.Key + "=" + p.Value
		}
		fmt.Fprintf(b, "%sParameters: %s\n", indent, strings.Join(kv, ", "))
	}
	if m.Files != nil {
		for _, l := range [][2]any{{"Copy", m.Files.Copy}, {"Symlink", m.Files.Symlink}, {"Configure", m.Files.Configure}} {
			if files := l[1].([]string); len(files) > 0 {
				fmt.Fprintf(b, "%s%s Files: %s\n", indent, l[0], strings.Join(files, ", "))
			}
		}
	}
	if m.QueryKeyPrefixing() {
		fmt.Fprintf(b, "%sKey Prefixing: on\n", indent)
	}
	for _, ml := range m.MLModels {
		fmt.Fprintf(b, "%sML Model: %s (%s on %s)\n", indent, ml.Name, ml.Backend, strings.Join(ml.Devices, ","))
	}
	for _, s := range m.Scripts {
		kind := "Script"
		if s.IsFunction {
			kind = "Function"
		}
		fmt.Fprintf(b, "%s%s: %s (on %s)\n", indent, kind, s.Name, strings.Join(s.Devices, ","))
	}
}
