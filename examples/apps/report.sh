#!/bin/sh
# report.sh: the tiny application the examples launch. It reports what it received (arguments, working
# directory, the environment ssrun set, the configured input file if any) on stdout, which ssrun sends
# to <member>.out, and in report.txt in its working directory, so a person or a test can check it.
{
	echo "args: $*"
	echo "cwd: $(basename "$PWD")"
	echo "SSKEYOUT: ${SSKEYOUT-}"
	if [ -n "${EXAMPLE_GREETING-}" ]; then
		echo "EXAMPLE_GREETING: $EXAMPLE_GREETING"
	fi
	if [ -f configure_inputs.txt ]; then
		echo "configure_inputs.txt: $(cat configure_inputs.txt)"
	fi
} > report.txt
cat report.txt
