# lib.sh - shared by tests/aws/run.sh and tests/bench/cwlogs.sh (sourced):
# the pinned npm packages and the loopback stand-in.
#
#   aws_npm_install ROOT     install tests/aws/package-lock.json into
#                            ROOT/build/aws once (again when it changes);
#                            sets FLOWLENS_NODE_MODULES; 1 on failure
#   standin_start ROOT DIR   start tests/aws/standin.mjs (s3rver files in
#                            DIR/s3); sets standin_pid, PORT, S3PORT, S3RAW;
#                            1 when it did not come up (stderr in
#                            DIR/standin.err).  The caller kills standin_pid.

aws_npm_install() {
	FLOWLENS_NODE_MODULES=$1/build/aws/node_modules
	export FLOWLENS_NODE_MODULES
	. "$1/tests/npm.sh"
	npm_pinned "$1/tests/aws" "$1/build/aws"
}

standin_start() {
	mkdir -p "$2/s3"
	# --openssl-legacy-provider: s3rver 3.7.1 makes its ListObjectsV2
	# continuation tokens with DES, which OpenSSL 3 keeps in the legacy
	# provider.
	node --openssl-legacy-provider "$1/tests/aws/standin.mjs" "$2/s3" \
	    > "$2/standin.out" 2> "$2/standin.err" &
	standin_pid=$!
	_i=0
	while ! grep -q '^S3RAW ' "$2/standin.out" 2>/dev/null; do
		_i=$((_i + 1))
		if [ $_i -gt 100 ] || ! kill -0 "$standin_pid" 2>/dev/null; then
			return 1
		fi
		sleep 0.1
	done
	PORT=$(sed -n 's/^PORT //p' "$2/standin.out")
	S3PORT=$(sed -n 's/^S3PORT //p' "$2/standin.out")
	S3RAW=$(sed -n 's/^S3RAW //p' "$2/standin.out")
}
