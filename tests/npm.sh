# tests/npm.sh - sourced: install a test directory's pinned npm packages.
#
#   npm_pinned SRC DEST   make DEST/node_modules what SRC/package.json and
#                         SRC/package-lock.json name, with `npm ci`; nothing
#                         to do when DEST already holds that exact lock.
#                         Output goes to DEST/npm.log; on failure its tail is
#                         copied to stderr and the status is 1.
#
# Every test and benchmark that needs npm packages installs them through
# this, from a committed lock file: a plain `npm install` resolves ranges
# afresh, and the registry mirror this project's CI reaches can list a
# version it cannot serve (seen: @aws-sdk/credential-provider-process
# 3.972.86, "No matching version found").  Transient registry errors are
# retried twice.

npm_pinned() {
	_src=$1 _dest=$2
	if [ -d "$_dest/node_modules" ] &&
	    cmp -s "$_src/package-lock.json" "$_dest/package-lock.json" &&
	    cmp -s "$_src/package.json" "$_dest/package.json"; then
		return 0
	fi
	mkdir -p "$_dest"
	cp "$_src/package.json" "$_src/package-lock.json" "$_dest/"
	: > "$_dest/npm.log"
	for _try in 1 2 3; do
		if npm ci --prefix "$_dest" --no-audit --no-fund \
		    >> "$_dest/npm.log" 2>&1; then
			return 0
		fi
		echo "npm ci in $_dest: attempt $_try failed" >> "$_dest/npm.log"
		sleep $((_try * 3))
	done
	# Leave no lock behind that would claim the install succeeded.
	rm -f "$_dest/package-lock.json"
	echo "npm ci --prefix $_dest failed; the end of $_dest/npm.log:" >&2
	tail -n 15 "$_dest/npm.log" >&2
	return 1
}
