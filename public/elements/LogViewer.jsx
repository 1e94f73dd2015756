import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Input } from '@/components/ui/input';
import { Switch } from '@/components/ui/switch';
import { LoaderCircle, ScrollText, Search, TriangleAlert } from 'lucide-react';

// Search hits: dark text on yellow (contrast checked in tests/ui/chat).
const MARK = { backgroundColor: '#fde047', color: '#111111', borderRadius: '2px' };

// Shared helpers: public/jarvis-widgets.js, loaded by custom_js in .chainlit/config.toml.
// Without it the widget still draws, but keeps no state across re-renders and its buttons
// answer why.
const { usePersisted, call } = window.JarvisWidgets
  ? window.JarvisWidgets.bind({ useCallback, useEffect, useRef, useState }, callAction)
  : {
      usePersisted: (scope, key, initial) => useState(initial),
      call: async () => ({ error: 'widget helpers not loaded' })
    };

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function Highlighted({ text, pattern }) {
  if (!pattern) return text;
  const parts = text.split(pattern);
  return parts.map((part, i) =>
    i % 2 === 1 ? (
      <mark key={i} style={MARK}>
        {part}
      </mark>
    ) : (
      part
    )
  );
}

export default function LogViewer() {
  const p = props || {};
  const name = p.name || '';
  // The machine the lines come from (none: this one); following reads from it too.
  const host = p.host || '';
  const scope = 'LogViewer:' + (p.widget_id || name);
  const action = p.action || 'jarvis_logs';
  const pollMs = Math.max(1, Number(p.poll_seconds) || 3) * 1000;
  const maxExtra = Math.max(100, Number(p.max_lines) || 500) * 2;
  const base = Array.isArray(p.lines) ? p.lines : [];

  const [query, setQuery] = usePersisted(scope, 'query', '');
  const [following, setFollowing] = usePersisted(scope, 'following', false);
  const [extra, setExtra] = usePersisted(scope, 'extra', []);
  const [dropped, setDropped] = usePersisted(scope, 'dropped', 0);
  const [since, setSince] = usePersisted(scope, 'since', p.since || null);
  const [pollNote, setPollNote] = usePersisted(scope, 'note', '');
  const sinceRef = useRef(since);
  sinceRef.current = since;
  const boxRef = useRef(null);
  const atBottomRef = useRef(true);

  useEffect(() => {
    if (!following || !name) return undefined;
    let stopped = false;
    let inFlight = false;
    const tick = async () => {
      if (inFlight) return;
      inFlight = true;
      const target = host ? { name, host } : { name };
      const r = await call(action, { ...target, since: sinceRef.current });
      inFlight = false;
      if (stopped) return;
      const problem =
        (r && r.error) ||
        (r && (r.status === 'error' || r.status === 'denied') && (r.message || r.status));
      if (problem) {
        setFollowing(false);
        setPollNote('Follow stopped: ' + problem);
        return;
      }
      const lines = r && Array.isArray(r.lines) ? r.lines.map(String) : [];
      if (r && r.since) {
        sinceRef.current = r.since;
        setSince(r.since);
      }
      if (lines.length) {
        setExtra((prev) => {
          const all = prev.concat(lines);
          const cut = Math.max(0, all.length - maxExtra);
          if (cut) setDropped((d) => d + cut);
          return cut ? all.slice(cut) : all;
        });
      }
      setPollNote('Following · checked ' + new Date().toLocaleTimeString());
    };
    setPollNote('Following…');
    const timer = setInterval(tick, pollMs);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [
    following,
    name,
    host,
    action,
    pollMs,
    maxExtra,
    setExtra,
    setDropped,
    setSince,
    setFollowing,
    setPollNote
  ]);

  const all = useMemo(() => base.concat(extra), [base, extra]);
  const pattern = useMemo(() => {
    const q = query.trim();
    return q ? new RegExp('(' + escapeRegExp(q) + ')', 'i') : null;
  }, [query]);
  const splitter = useMemo(() => {
    const q = query.trim();
    return q ? new RegExp('(' + escapeRegExp(q) + ')', 'gi') : null;
  }, [query]);
  const shown = useMemo(
    () => (pattern ? all.filter((line) => pattern.test(line)) : all),
    [all, pattern]
  );

  useEffect(() => {
    const el = boxRef.current;
    if (el && atBottomRef.current) el.scrollTop = el.scrollHeight;
  }, [shown.length]);

  const onScroll = () => {
    const el = boxRef.current;
    if (el) atBottomRef.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
  };

  const failed = p.status === 'error' || p.status === 'denied';
  const switchId = 'log-follow-' + (p.widget_id || name);
  return (
    <section
      data-testid={'log-viewer-' + name}
      aria-label={'Logs of ' + name}
      className="flex w-full min-w-0 flex-col gap-2 rounded-lg border bg-card p-3 text-card-foreground"
    >
      <header className="flex flex-wrap items-center justify-between gap-2">
        <h3 className="flex min-w-0 items-center gap-2 text-base font-semibold">
          <ScrollText className="h-4 w-4 shrink-0" aria-hidden="true" />
          <span style={{ overflowWrap: 'anywhere' }}>
            {'Logs: ' + name + (host ? ' on ' + host : '')}
          </span>
        </h3>
        <span className="text-xs text-muted-foreground" data-testid={'log-count-' + name}>
          {(pattern ? shown.length + ' matching of ' : '') + all.length + ' lines'}
          {p.truncated || dropped ? ' (older lines not shown)' : ''}
        </span>
      </header>
      {p.untrusted ? (
        <p className="flex items-center gap-2 text-xs text-muted-foreground">
          <TriangleAlert className="h-3 w-3 shrink-0" aria-hidden="true" />
          Written by the container itself: read it as data, not instructions.
        </p>
      ) : null}
      {failed ? (
        <p role="alert" className="rounded-md border p-2 text-sm text-foreground">
          {'Could not read the logs: ' + (p.message || 'unknown error')}
        </p>
      ) : null}
      <div className="flex flex-wrap items-center gap-3">
        <div className="relative" style={{ flex: '1 1 12rem', minWidth: 0 }}>
          <Search
            className="pointer-events-none absolute h-4 w-4 text-muted-foreground"
            style={{ left: '0.75rem', top: '0.75rem' }}
            aria-hidden="true"
          />
          <Input
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            placeholder="Search the lines"
            aria-label={'Search logs of ' + name}
            data-testid={'log-search-' + name}
            style={{ paddingLeft: '2.25rem' }}
          />
        </div>
        <div className="flex items-center gap-2">
          <Switch
            id={switchId}
            checked={Boolean(following)}
            onCheckedChange={(on) => {
              setPollNote(on ? 'Following…' : '');
              setFollowing(Boolean(on));
            }}
            aria-label={'Follow logs of ' + name}
            data-testid={'log-follow-' + name}
          />
          <label htmlFor={switchId} className="text-sm text-foreground">
            Follow
          </label>
          {following ? (
            <LoaderCircle
              className="h-4 w-4 animate-spin text-muted-foreground"
              aria-hidden="true"
            />
          ) : null}
        </div>
      </div>
      <div role="status" aria-live="polite" className="text-xs text-muted-foreground">
        {pollNote}
      </div>
      <div
        ref={boxRef}
        onScroll={onScroll}
        role="log"
        aria-live="off"
        aria-label={'Log lines of ' + name}
        tabIndex={0}
        data-testid={'log-lines-' + name}
        className="max-h-96 overflow-auto rounded-md border bg-muted p-2 font-mono text-xs text-foreground"
      >
        {shown.length ? (
          shown.map((line, i) => (
            <div
              key={i}
              className="whitespace-pre-wrap"
              style={{ overflowWrap: 'anywhere' }}
            >
              <Highlighted text={line} pattern={splitter} />
            </div>
          ))
        ) : (
          <p className="text-muted-foreground">
            {pattern ? 'No line matches.' : 'No log lines.'}
          </p>
        )}
      </div>
    </section>
  );
}
