"""An approval in the words a person would use: "Restart plex — asked by evin; why"."""

from __future__ import annotations

from policies.outcome import ApprovalView


def _plural(verb: str) -> str:
    return verb + ("es" if verb.endswith(("s", "sh", "ch", "x")) else "s")


def plain_words(view: ApprovalView) -> dict[str, str]:
    """The request as a person says it: "Restart plex", who asked, and why it waits."""
    family, _, action = view.tool.partition(".")
    verb, *rest = action.split("_") or ["run"]
    kind, _, name = view.resource.partition(":")
    # A resource of the tool's own family names no object (docker:prune, caddy:config) unless
    # the call's own arguments fill it in (db:pg/nextcloud, ha:light.kitchen).
    filled = any(isinstance(v, str) and v and v in name for v in view.args.values())
    named = name not in ("", "*") and (kind != family or filled)
    phrase = " ".join([verb] if named and kind in rest else [verb, *rest])
    # A tool that declares its headline says it itself ("Turn on light.kitchen").
    headline = view.headline or phrase.capitalize() + (f" {name}" if named else "")
    host = view.args.get("host")
    if isinstance(host, str) and host:  # another machine: the card must say which
        headline += f" on {host}"
    who, _, rest_of = view.actor.partition(":")
    if who == "user":
        asked = f"asked by {rest_of}"
    elif view.actor == "agent:autonomous":
        asked = "asked by the background agent"
    else:
        asked = f"asked by {rest_of or who}"
    if view.rule == "builtin:no-rule":
        why = f"no rule allows {_plural(verb)} without asking"
    else:
        why = view.reason
    return {"headline": headline, "asked": asked, "why": why}


def sentence(view: ApprovalView) -> str:
    """The whole request in one line, for replies and notifications."""
    words = plain_words(view)
    return f"{words['headline']} — {words['asked']}; {words['why']}"
