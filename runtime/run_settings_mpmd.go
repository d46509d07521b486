package runtime

// MakeMPMD adds other as a further program of a multi-program launch, as SmartSim's make_mpmd: both
// settings must be of the same class and that class must launch MPMD (srun and the MPI family);
// other is copied, so changing it later does not change this launch.
func (rs *RunSettings) MakeMPMD(other *RunSettings) error {
	if other == nil || other == rs {
		return Errorf(ValueError, "make_mpmd needs other run settings")
	}
	if rs.TypeName() != other.TypeName() {
		return Errorf(SSUnsupportedError, "Cannot make an MPMD with different RunSettings types (%s and %s)", rs.TypeName(), other.TypeName())
	}
	switch rs.RunCommandStyle() {
	case "srun", "mpi":
	default:
		return Errorf(SSUnsupportedError, "%s does not support MPMD launches", rs.TypeName())
	}
	m := other.Clone()
	flat := m.MPMD
	m.MPMD = nil
	rs.MPMD = append(append(rs.MPMD, m), flat...)
	return nil
}

// mpiEnvArgs is how an MPMD program of an MPI run command gets its own environment: "-x KEY=value" per
// variable, as SmartSim's MPI settings format them. Other run commands pass none this way.
func (rs *RunSettings) mpiEnvArgs() []string {
	if rs.RunCommandStyle() != "mpi" {
		return nil
	}
	var out []string
	for _, kv := range rs.FormatEnvVars() {
		out = append(out, "-x", kv)
	}
	return out
}

// srunMPMD is the tail of an srun step for its MPMD programs: " : <run args> --job-name <step>
// [--export ALL,K=V] <exe> <args>" each, as SmartSim's SrunStep writes it.
func (rs *RunSettings) srunMPMD(step string) []string {
	var out []string
	for _, m := range rs.MPMD {
		out = append(out, ":")
		out = append(out, m.FormatRunArgs()...)
		out = append(out, "--job-name", step)
		if export := srunExport(m.FormatEnvVars()); export != "" {
			out = append(out, "--export", export)
		}
		out = append(out, m.Exe)
		out = append(out, m.ExeArgs...)
	}
	return out
}
