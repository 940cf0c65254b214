#!/usr/bin/env python3
"""gencompletion.py: sock6ctl's bash and zsh completion, generated from the
OpenRPC document (sock6d --openrpc): the methods and verbs, each method's
params as `name=`, and the enum values of a param's schema (for an array,
its items'; completed after the last comma too); the options, a file after
--socket (or --socket=); each verb's options, and batch's FILE.

usage: gencompletion.py OPENRPC.json bash|zsh > FILE
"""

import json
import sys

VERBS = ["help", "list", "follow", "attach", "run", "batch", "shell"]
OPTIONS = ["--socket", "--timeout", "--compact", "--pretty", "--json",
           "--quiet", "--raw", "--version", "--help"]
# The options of each verb after its name (sock6ctl --help's usage lines).
VERB_OPTIONS = {"follow": ["--raw", "--text"], "attach": ["--len4"], "run": ["--stdio"],
                "list": ["--table", "--json"], "batch": ["--keep-going"]}


def enum_values(schema):
    """The enum strings a schema allows, its array items' included."""
    out = []
    if not isinstance(schema, dict):
        return out
    for v in schema.get("enum", []):
        if isinstance(v, str) and v not in out:
            out.append(v)
    for key in ("oneOf", "anyOf"):
        for alt in schema.get(key, []):
            out += [v for v in enum_values(alt) if v not in out]
    out += [v for v in enum_values(schema.get("items")) if v not in out]
    return out


def table(doc):
    """[(method, [param names], {param: [enum values]})], sorted."""
    rows = []
    for m in doc.get("methods", []):
        params = [p["name"] for p in m.get("params", [])]
        enums = {}
        for p in m.get("params", []):
            values = enum_values(p.get("schema"))
            if values:
                enums[p["name"]] = values
        rows.append((m["name"], params, enums))
    rows.sort()
    return rows


def bash(rows):
    out = ["# sock6ctl bash completion, generated from sock6d's OpenRPC document",
           "# by client/completion/gencompletion.py: do not edit.", "",
           "_sock6ctl_methods='%s'" % " ".join(r[0] for r in rows),
           "_sock6ctl_verbs='%s'" % " ".join(VERBS),
           "_sock6ctl_options='%s'" % " ".join(OPTIONS), "",
           "# The params of method $1, each as name=.",
           "_sock6ctl_params()", "{", "\tcase $1 in"]
    for name, params, _ in rows:
        if params:
            out.append("\t%s) echo '%s' ;;" % (name, " ".join(p + "=" for p in params)))
    out += ["\tesac", "}", "",
            "# The enum values of param $2 of method $1.",
            "_sock6ctl_enum()", "{", "\tcase $1:$2 in"]
    for name, _, enums in rows:
        for param, values in sorted(enums.items()):
            out.append("\t%s:%s) echo '%s' ;;" % (name, param, " ".join(values)))
    out += ["\tesac", "}", "",
            "# The options of verb $1.",
            "_sock6ctl_verb_options()", "{", "\tcase $1 in"]
    for verb, options in sorted(VERB_OPTIONS.items()):
        out.append("\t%s) echo '%s' ;;" % (verb, " ".join(options)))
    out += ["\tesac", "}", "", r'''_sock6ctl()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev= method= key= val= pre= i w
	local -a words=()

	COMPREPLY=()
	# Join the words bash split at '=' (COMP_WORDBREAKS) back together.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ $w == = || ${COMP_WORDS[i-1]} == = ]] && ((${#words[@]} > 0)) &&
		    [[ $w == = || ${words[-1]} == *= ]]; then
			words[-1]+=$w
		else
			words+=("$w")
		fi
	done
	for ((i = 0; i < ${#words[@]}; i++)); do
		w=${words[i]}
		case $w in
		-s|--socket|-t|--timeout) ((i++)) ;;
		-*) ;;
		*) method=$w; break ;;
		esac
	done
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD-1]}
	if [[ $cur == = ]]; then
		key=$prev; val=; pre=
	elif [[ $prev == = ]] && ((COMP_CWORD > 1)); then
		key=${COMP_WORDS[COMP_CWORD-2]}; val=$cur; pre=
	elif [[ $cur == *=* ]]; then
		key=${cur%%=*}; val=${cur#*=}; pre=$key=
	fi
	if [[ -z $method ]]; then
		case $key in
		--socket) COMPREPLY=($(compgen -f -- "$val")); return ;;
		--timeout) return ;;
		esac
		case $prev in
		-s|--socket) COMPREPLY=($(compgen -f -- "$cur")); return ;;
		-t|--timeout) return ;;
		esac
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$_sock6ctl_options" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$_sock6ctl_methods $_sock6ctl_verbs" -- "$cur"))
		fi
		return
	fi
	if [[ $method == help ]]; then
		((${#words[@]} == i + 1)) &&
		    COMPREPLY=($(compgen -W "$_sock6ctl_methods $_sock6ctl_verbs" -- "$cur"))
		return
	fi
	case " $_sock6ctl_verbs " in
	*" $method "*)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$(_sock6ctl_verb_options "$method")" -- "$cur"))
		elif [[ $method == batch ]]; then
			COMPREPLY=($(compgen -f -- "$cur"))
		fi
		return ;;
	esac
	if [[ -n $key ]]; then
		# a list value: complete after its last comma
		if [[ $val == *,* ]]; then
			pre+=${val%,*},; val=${val##*,}
		fi
		COMPREPLY=($(compgen -P "$pre" -W "$(_sock6ctl_enum "$method" "$key")" -- "$val"))
		return
	fi
	COMPREPLY=($(compgen -W "$(_sock6ctl_params "$method")" -- "$cur"))
	[[ ${#COMPREPLY[@]} -gt 0 ]] && compopt -o nospace 2>/dev/null
	return 0
}
complete -F _sock6ctl sock6ctl''']
    return "\n".join(out) + "\n"


def zsh(rows):
    out = ["#compdef sock6ctl",
           "# sock6ctl zsh completion, generated from sock6d's OpenRPC document",
           "# by client/completion/gencompletion.py: do not edit.", "",
           "_sock6ctl_params() {", "\tcase $1 in"]
    for name, params, _ in rows:
        if params:
            out.append("\t%s) reply=(%s) ;;" % (name, " ".join(p + "=" for p in params)))
    out += ["\t*) reply=() ;;", "\tesac", "}", "",
            "_sock6ctl_enum() {", "\tcase $1:$2 in"]
    for name, _, enums in rows:
        for param, values in sorted(enums.items()):
            out.append("\t%s:%s) reply=(%s) ;;" % (name, param, " ".join(values)))
    out += ["\t*) reply=() ;;", "\tesac", "}", "",
            "_sock6ctl_verb_options() {", "\tcase $1 in"]
    for verb, options in sorted(VERB_OPTIONS.items()):
        out.append("\t%s) reply=(%s) ;;" % (verb, " ".join(options)))
    out += ["\t*) reply=() ;;", "\tesac", "}", "",
            "_sock6ctl() {",
            "\tlocal -a methods verbs reply",
            "\tlocal method= key i w",
            "\tmethods=(%s)" % " ".join(r[0] for r in rows),
            "\tverbs=(%s)" % " ".join(VERBS),
            r'''	for ((i = 2; i < CURRENT; i++)); do
		w=${words[i]}
		case $w in
		-s|--socket|-t|--timeout) ((i++)) ;;
		-*) ;;
		*) method=$w; break ;;
		esac
	done
	if [[ -z $method ]]; then
		case $PREFIX in
		--socket=*) compset -P '*='; _files; return ;;
		--timeout=*) return ;;
		esac
		case ${words[CURRENT-1]} in
		-s|--socket) _files; return ;;
		-t|--timeout) return ;;
		esac
		if [[ $PREFIX == -* ]]; then
			compadd -- %s
		else
			compadd -- $methods $verbs
		fi
		return
	fi
	if [[ $method == help ]]; then
		(( CURRENT == i + 1 )) && compadd -- $methods $verbs
		return
	fi
	if (( ${verbs[(Ie)$method]} )); then
		if [[ $PREFIX == -* ]]; then
			_sock6ctl_verb_options $method
			compadd -- $reply
		elif [[ $method == batch ]]; then
			_files
		fi
		return
	fi
	if [[ $PREFIX == *=* ]]; then
		key=${PREFIX%%%%=*}
		compset -P '*='
		compset -P '*,'
		_sock6ctl_enum $method $key
		compadd -- $reply
		return
	fi
	_sock6ctl_params $method
	compadd -S '' -- $reply
}

_sock6ctl "$@"''' % " ".join(OPTIONS)]
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in ("bash", "zsh"):
        sys.stderr.write("usage: gencompletion.py OPENRPC.json bash|zsh\n")
        return 2
    with open(sys.argv[1]) as f:
        rows = table(json.load(f))
    sys.stdout.write(bash(rows) if sys.argv[2] == "bash" else zsh(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
