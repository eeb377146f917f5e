#!/bin/sh
# deps.sh PACKAGE... - install the Debian packages that are missing.
# Quiet when everything is installed; uses sudo when not root.
set -eu
missing=
for p in "$@"; do
	# Node.js may come from outside Debian (its npm then conflicts with
	# Debian's): a working command counts as installed.
	case $p in
	nodejs) command -v node >/dev/null 2>&1 && continue ;;
	npm) command -v npm >/dev/null 2>&1 && continue ;;
	esac
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "flowlens: installing missing packages:$missing" >&2
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
