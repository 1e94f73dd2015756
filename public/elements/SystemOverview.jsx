import { useCallback, useEffect, useRef, useState } from 'react';
import { Button } from '@/components/ui/button';
import {
  CircleCheck,
  CircleMinus,
  CircleX,
  Cpu,
  HardDrive,
  LoaderCircle,
  MemoryStick,
  RefreshCw,
  Server,
  TriangleAlert
} from 'lucide-react';

// Status colours (contrast checked in tests/ui/chat): badges with white text; bar and
// line colours reach 3:1 against the card in the light and the dark theme.
const TONES = {
  ok: { bg: '#15803d', fg: '#ffffff', fill: '#16a34a', Icon: CircleCheck, word: 'ok' },
  warn: {
    bg: '#b45309',
    fg: '#ffffff',
    fill: '#d97706',
    Icon: TriangleAlert,
    word: 'high'
  },
  bad: { bg: '#b91c1c', fg: '#ffffff', fill: '#ef4444', Icon: CircleX, word: 'critical' },
  neutral: { bg: '#4b5563', fg: '#ffffff', fill: '#3b82f6', Icon: CircleMinus, word: '' }
};
const CPU_LINE = '#3b82f6';
const MEM_LINE = '#a855f7';
const MAX_HISTORY = 120;

// Shared helpers: public/jarvis-widgets.js, loaded by custom_js in .chainlit/config.toml.
// Without it the widget still draws, but keeps no state across re-renders and its buttons
// answer why.
const { usePersisted, call } = window.JarvisWidgets
  ? window.JarvisWidgets.bind({ useCallback, useEffect, useRef, useState }, callAction)
  : {
      usePersisted: (scope, key, initial) => useState(initial),
      call: async () => ({ error: 'widget helpers not loaded' })
    };

function pct(value) {
  return value === null || value === undefined ? '–' : Number(value).toFixed(1) + '%';
}

function mergeHistory(a, b) {
  const byTime = {};
  (a || []).concat(b || []).forEach((s) => {
    if (s && typeof s.t === 'number') byTime[s.t] = s;
  });
  return Object.keys(byTime)
    .map(Number)
    .sort((x, y) => x - y)
    .map((t) => byTime[t])
    .slice(-MAX_HISTORY);
}

function ToneBadge({ tone }) {
  const t = TONES[tone];
  if (!t || !t.word || tone === 'ok') return null;
  const Icon = t.Icon;
  return (
    <span
      className="inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-semibold"
      style={{ backgroundColor: t.bg, color: t.fg }}
    >
      <Icon className="h-3 w-3" aria-hidden="true" />
      {t.word}
    </span>
  );
}

function Bar({ percent, tone, label }) {
  const value = Math.max(0, Math.min(100, Number(percent) || 0));
  const t = TONES[tone] || TONES.neutral;
  return (
    <div
      role="meter"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(value)}
      aria-valuetext={pct(percent)}
      className="h-2 w-full overflow-hidden rounded-full border"
    >
      <div style={{ width: value + '%', height: '100%', backgroundColor: t.fill }} />
    </div>
  );
}

function Tile({ icon, title, value, tone, children, testId }) {
  const Icon = icon;
  return (
    <div
      data-testid={testId}
      className="flex flex-col gap-1 rounded-md border p-3"
      style={{ flex: '1 1 8rem', minWidth: 0 }}
    >
      <div className="flex items-center gap-2 text-sm text-muted-foreground">
        <Icon className="h-4 w-4" aria-hidden="true" />
        <span>{title}</span>
      </div>
      <div className="flex flex-wrap items-center gap-2">
        <span className="text-lg font-semibold tabular-nums text-foreground">
          {value}
        </span>
        <ToneBadge tone={tone} />
      </div>
      {children}
    </div>
  );
}

function Sparkline({ history }) {
  const points = (history || []).filter(
    (s) => typeof s.cpu === 'number' && typeof s.mem === 'number'
  );
  if (points.length < 2) {
    return (
      <p className="text-xs text-muted-foreground" data-testid="overview-history">
        The CPU and memory history appears after the next refresh.
      </p>
    );
  }
  const w = 300;
  const h = 60;
  const t0 = points[0].t;
  const span = Math.max(points[points.length - 1].t - t0, 1);
  const path = (key) =>
    points
      .map((s) => {
        const x = ((s.t - t0) / span) * w;
        const y = h - (Math.max(0, Math.min(100, s[key])) / 100) * h;
        return x.toFixed(1) + ',' + y.toFixed(1);
      })
      .join(' ');
  const last = points[points.length - 1];
  const minutes = Math.max(1, Math.round(span / 60));
  const summary =
    'CPU and memory over the last ' +
    minutes +
    ' min: CPU now ' +
    pct(last.cpu) +
    ', memory now ' +
    pct(last.mem);
  return (
    <figure className="flex flex-col gap-1" data-testid="overview-history">
      <svg
        viewBox={'0 0 ' + w + ' ' + h}
        preserveAspectRatio="none"
        role="img"
        aria-label={summary}
        className="w-full rounded-md border"
        style={{ height: '4rem' }}
      >
        <title>{summary}</title>
        <polyline
          points={path('cpu')}
          fill="none"
          stroke={CPU_LINE}
          strokeWidth="2"
          vectorEffect="non-scaling-stroke"
        />
        <polyline
          points={path('mem')}
          fill="none"
          stroke={MEM_LINE}
          strokeWidth="2"
          strokeDasharray="6 3"
          vectorEffect="non-scaling-stroke"
        />
      </svg>
      <figcaption className="flex flex-wrap gap-3 text-xs text-muted-foreground">
        <span className="inline-flex items-center gap-1">
          <svg width="18" height="6" aria-hidden="true">
            <line x1="0" y1="3" x2="18" y2="3" stroke={CPU_LINE} strokeWidth="2" />
          </svg>
          CPU (solid)
        </span>
        <span className="inline-flex items-center gap-1">
          <svg width="18" height="6" aria-hidden="true">
            <line
              x1="0"
              y1="3"
              x2="18"
              y2="3"
              stroke={MEM_LINE}
              strokeWidth="2"
              strokeDasharray="6 3"
            />
          </svg>
          Memory (dashed)
        </span>
        <span>{'last ' + minutes + ' min, 0–100%'}</span>
      </figcaption>
    </figure>
  );
}

export default function SystemOverview() {
  const p = props || {};
  const scope = 'SystemOverview:' + (p.widget_id || 'default');
  const [busy, setBusy] = usePersisted(scope, 'busy', false);
  const [error, setError] = usePersisted(scope, 'error', '');
  const mem = p.memory || null;
  const swap = p.swap || null;
  const disks = Array.isArray(p.disks) ? p.disks : [];
  const load = Array.isArray(p.load) ? p.load : [];
  const failed = p.status === 'error' || p.status === 'denied';

  const refresh = useCallback(async () => {
    setBusy(true);
    setError('');
    const next = await call(p.action || 'jarvis_refresh_overview', {});
    if (!next || next.error || !next.status) {
      setError((next && next.error) || 'no answer');
    } else {
      const merged = {
        ...next,
        widget_id: p.widget_id || next.widget_id,
        history: mergeHistory(p.history, next.history)
      };
      try {
        await updateElement(merged);
      } catch (err) {
        setError(String((err && err.message) || err));
      }
    }
    setBusy(false);
  }, [p.action, p.history, p.widget_id, setBusy, setError]);

  const sampled = p.sampled_at ? new Date(p.sampled_at) : null;
  return (
    <section
      data-testid="system-overview"
      aria-label={'System overview of ' + (p.hostname || 'the host')}
      className="flex w-full min-w-0 flex-col gap-3 rounded-lg border bg-card p-3 text-card-foreground"
    >
      <header className="flex flex-wrap items-center justify-between gap-2">
        <div className="flex min-w-0 flex-col">
          <h3 className="flex items-center gap-2 text-base font-semibold">
            <Server className="h-4 w-4" aria-hidden="true" />
            <span style={{ overflowWrap: 'anywhere' }} data-testid="overview-hostname">
              {p.hostname || 'Host'}
            </span>
          </h3>
          <span className="text-xs text-muted-foreground">
            {[p.os, p.kernel, p.uptime ? 'up ' + p.uptime : null]
              .filter(Boolean)
              .join(' · ')}
          </span>
        </div>
        <div className="flex items-center gap-2">
          {sampled ? (
            <span className="text-xs text-muted-foreground">
              {'as of ' + sampled.toLocaleTimeString()}
            </span>
          ) : null}
          <Button
            size="sm"
            variant="outline"
            onClick={refresh}
            disabled={busy}
            aria-label="Refresh system overview"
            data-testid="refresh-overview"
          >
            {busy ? (
              <LoaderCircle className="animate-spin" aria-hidden="true" />
            ) : (
              <RefreshCw aria-hidden="true" />
            )}
            Refresh
          </Button>
        </div>
      </header>
      <div role="status" aria-live="polite" className="text-sm text-foreground">
        {error ? 'Refresh failed: ' + error : busy ? 'Refreshing…' : ''}
      </div>
      {failed ? (
        <p role="alert" className="rounded-md border p-2 text-sm text-foreground">
          {'Could not read the host: ' + (p.message || 'unknown error')}
        </p>
      ) : null}
      <div className="flex flex-wrap gap-2">
        <Tile
          icon={Cpu}
          title="CPU"
          value={pct(p.cpu_percent)}
          tone={p.cpu_tone}
          testId="overview-cpu"
        >
          <Bar percent={p.cpu_percent} tone={p.cpu_tone} label="CPU use" />
          {p.cpu_count ? (
            <span className="text-xs text-muted-foreground">
              {p.cpu_count + ' cores'}
            </span>
          ) : null}
        </Tile>
        <Tile
          icon={Cpu}
          title="Load"
          value={load.length ? Number(load[0]).toFixed(2) : '–'}
          tone={p.load_tone}
          testId="overview-load"
        >
          {load.length === 3 ? (
            <span className="text-xs text-muted-foreground">
              {'1 min; 5 min ' +
                Number(load[1]).toFixed(2) +
                ', 15 min ' +
                Number(load[2]).toFixed(2)}
            </span>
          ) : null}
        </Tile>
        <Tile
          icon={MemoryStick}
          title="Memory"
          value={pct(mem && mem.percent)}
          tone={mem && mem.tone}
          testId="overview-memory"
        >
          <Bar percent={mem && mem.percent} tone={mem && mem.tone} label="Memory use" />
          {mem ? (
            <span className="text-xs text-muted-foreground">
              {mem.used + ' of ' + mem.total}
            </span>
          ) : null}
        </Tile>
        <Tile
          icon={MemoryStick}
          title="Swap"
          value={swap ? pct(swap.percent) : 'none'}
          tone={swap && swap.tone}
          testId="overview-swap"
        >
          {swap ? (
            <>
              <Bar percent={swap.percent} tone={swap.tone} label="Swap use" />
              <span className="text-xs text-muted-foreground">
                {swap.used + ' of ' + swap.total}
              </span>
            </>
          ) : null}
        </Tile>
      </div>
      <Sparkline history={p.history} />
      {disks.length ? (
        <div className="flex flex-col gap-2" data-testid="overview-disks">
          <h4 className="flex items-center gap-2 text-sm font-semibold">
            <HardDrive className="h-4 w-4" aria-hidden="true" />
            Disks
          </h4>
          <ul className="flex flex-col gap-2">
            {disks.map((d) => (
              <li
                key={d.path}
                data-testid={'disk-' + d.path}
                aria-label={'Disk ' + d.path}
                className="flex flex-col gap-1"
              >
                <div className="flex flex-wrap items-center justify-between gap-2 text-sm">
                  <span
                    className="font-mono text-foreground"
                    style={{ overflowWrap: 'anywhere' }}
                  >
                    {d.path}
                  </span>
                  <span className="flex items-center gap-2">
                    <span className="tabular-nums text-foreground">
                      {pct(d.percent) + ' used'}
                    </span>
                    <ToneBadge tone={d.tone} />
                  </span>
                </div>
                <Bar
                  percent={d.percent}
                  tone={d.tone}
                  label={'Space used on ' + d.path}
                />
                <span className="text-xs text-muted-foreground">
                  {d.used + ' of ' + d.total + (d.free ? ', ' + d.free + ' free' : '')}
                  {d.device ? ' · ' + d.device : ''}
                </span>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {Array.isArray(p.warnings) && p.warnings.length ? (
        <ul className="flex flex-col gap-1 text-sm text-foreground" aria-label="Warnings">
          {p.warnings.map((w) => (
            <li key={w} className="flex items-center gap-2">
              <TriangleAlert className="h-4 w-4 shrink-0" aria-hidden="true" />
              {w}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
