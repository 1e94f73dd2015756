"""The HTML of the approval-link pages: phone-sized, self-contained, everything escaped."""

from __future__ import annotations

import json
from datetime import datetime
from html import escape
from urllib.parse import quote

from fastapi.responses import HTMLResponse

from policies.outcome import ApprovalView

# Inline only: the page loads nothing from anywhere, so the token in its URL goes nowhere.
STYLE = """
*{box-sizing:border-box}
body{margin:0;padding:16px;font:18px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:#1b1f24;background:#f6f7f9;overflow-wrap:anywhere}
main{max-width:640px;margin:0 auto}
h1{font-size:1.5em;line-height:1.25;margin:.2em 0 .6em}
h2{font-size:1em;margin:1.1em 0 .3em;color:#4a5361;text-transform:uppercase;letter-spacing:.04em}
p{margin:.3em 0}
code{font:0.95em ui-monospace,SFMono-Regular,Menlo,monospace;background:#e9ecf1;
padding:.05em .3em;border-radius:4px}
pre{font:15px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace;background:#fff;
border:1px solid #d5dae1;border-radius:8px;padding:10px;margin:.3em 0;max-width:100%;
overflow:auto;max-height:45vh}
pre.wrap{white-space:pre-wrap;overflow-wrap:anywhere}
.card{background:#fff;border:1px solid #d5dae1;border-radius:12px;padding:14px 16px}
.risk{display:inline-block;font-size:.8em;padding:.1em .5em;border-radius:99px;
background:#fde8c8;color:#7a4b00}
.actions{display:flex;flex-wrap:wrap;gap:12px;margin:1.4em 0 .6em}
.actions form{flex:1 1 140px;margin:0}
button{width:100%;min-height:56px;font:inherit;font-weight:600;border:0;border-radius:12px;
cursor:pointer}
.approve{background:#1a7f37;color:#fff}.reject{background:#e5e8ec;color:#b42318}
.muted{color:#5b6472;font-size:.9em}
.ok{color:#1a7f37}.bad{color:#b42318}
"""

# `same-origin`, not `no-referrer`: with no referrer Chromium posts the form with
# `Origin: null`, which the origin guard rightly refuses.
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
}


def page(title: str, body: str, status_code: int = 200) -> HTMLResponse:
    """A whole page around `body` (already escaped HTML); `title` is escaped here."""
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex"><meta name="referrer" content="same-origin">'
        f"<title>{escape(title)} - Jarvis</title><style>{STYLE}</style></head>"
        f"<body><main><h1>{escape(title)}</h1>{body}</main></body></html>"
    )
    return HTMLResponse(html, status_code=status_code, headers=HEADERS)


def notice(title: str, *lines: str, status_code: int) -> HTMLResponse:
    """A page of plain sentences (escaped here)."""
    return page(title, "".join(f"<p>{escape(line)}</p>" for line in lines), status_code)


def asked_by(view: ApprovalView) -> str:
    """Who asked, in words: the background agent, someone in a chat, or a name."""
    kind, _, name = view.actor.partition(":")
    if kind == "agent":
        run = f" (run {view.run_id})" if view.run_id else ""
        return f"the background agent, on its own{run}"
    if kind == "user":
        return f"{name}, in a chat" if view.thread_id else name
    return view.actor


def when(moment: datetime, now: datetime) -> str:
    """`2026-05-01 14:05 UTC (in 42 minutes)`."""
    minutes = max(0, int((moment - now).total_seconds() // 60))
    left = "less than a minute" if minutes == 0 else f"{minutes} minute" + "s" * (minutes != 1)
    return f"{moment:%Y-%m-%d %H:%M} UTC (in {left})"


def _section(title: str, inner: str) -> str:
    return f"<h2>{escape(title)}</h2>{inner}"


def approval_page(view: ApprovalView, token: str, now: datetime) -> HTMLResponse:
    """The question: what would run, who asked and why, and the two answers."""
    args = json.dumps(view.args, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    parts = [
        '<div class="card"><p>'
        f"<code>{escape(view.tool)}</code> on <code>{escape(view.resource)}</code></p>"
        f'<p><span class="risk">{escape(view.risk)}</span></p></div>',
        _section("Arguments", f'<pre class="wrap">{escape(args)}</pre>'),
        _section("Asked by", f"<p>{escape(asked_by(view))}</p>"),
        _section("Why it asks", f"<p>{escape(view.reason)}</p>"),
    ]
    if view.rule:
        parts.append(f'<p class="muted">rule {escape(view.rule)}</p>')
    if view.purpose:
        parts.append(_section("Purpose", f"<p>{escape(view.purpose)}</p>"))
    if view.diff:
        parts.append(_section("Change", f"<pre>{escape(view.diff)}</pre>"))
    parts.append(_section("Expires", f"<p>{escape(when(view.expires_at, now))}</p>"))
    action = escape(quote(view.id, safe=""))
    hidden = f'<input type="hidden" name="token" value="{escape(token)}">'
    buttons = "".join(
        f'<form method="post" action="{action}">{hidden}'
        f'<input type="hidden" name="decision" value="{value}">'
        f'<button class="{value}" type="submit">{label}</button></form>'
        for value, label in (("approve", "Approve"), ("reject", "Reject"))
    )
    parts.append(f'<div class="actions">{buttons}</div>')
    parts.append('<p class="muted">Approving runs it once, right away.</p>')
    return page("Approve this action?", "".join(parts))


def result_page(view: ApprovalView) -> HTMLResponse:
    """What the answer did: ran, failed (with the message), rejected, or still running."""
    action = f"<p><code>{escape(view.tool)}</code> on <code>{escape(view.resource)}</code></p>"
    message = view.message or (view.result or {}).get("message")
    detail = f'<pre class="wrap">{escape(str(message))}</pre>' if message else ""
    if view.status == "executed":
        return page("Approved and done", f'{action}<p class="ok">It ran once.</p>{detail}')
    if view.status == "failed":
        body = f'{action}<p class="bad">It was approved, but it failed:</p>{detail}'
        return page("Approved, but it failed", body)
    if view.status == "rejected":
        return page("Rejected", f"{action}<p>Nothing was run.</p>")
    return page("Approved", f"{action}<p>It is running; Jarvis records the result.</p>")
