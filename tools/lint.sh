#!/bin/sh
# House-style checks that a compiler does not make: banned functions
# (STYLE.md rule 26). Prints each offence with file:line and fails.
set -u
cd "$(dirname "$0")/.."
pattern='\b(sprintf|strcpy|strcat|strncpy|strtok|atoi|atol|gmtime|localtime|strerror|system)[[:space:]]*\('
hits=$(grep -rnE "$pattern" src emulators tests/unit 2>/dev/null | grep -vE '^\S+:[0-9]+:\s*(/\*|\*)' || true)
if [ -n "$hits" ]; then
	echo "$hits"
	echo "lint: banned functions used (see STYLE.md rule 26: snprintf, strerror_r wrapper, _r time functions)" >&2
	exit 1
fi
echo "lint: ok"
