import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import {
  CircleCheck,
  CircleMinus,
  CircleX,
  LoaderCircle,
  Play,
  RotateCw,
  ScrollText,
  Search,
  Square,
  TriangleAlert
} from 'lucide-react';

// Status colours: solid badge with white text (contrast checked in tests/ui/chat).
const TONES = {
  ok: { bg: '#15803d', fg: '#ffffff', Icon: CircleCheck },
  warn: { bg: '#b45309', fg: '#ffffff', Icon: TriangleAlert },
  bad: { bg: '#b91c1c', fg: '#ffffff', Icon: CircleX },
  neutral: { bg: '#4b5563', fg: '#ffffff', Icon: CircleMinus }
};

const STATE_TONES = {
  running: 'ok',
  restarting: 'warn',
  paused: 'warn',
  removing: 'warn',
  dead: 'bad',
  removed: 'neutral'
};

const BUTTONS = {
  logs: { label: 'Logs', Icon: ScrollText, variant: 'outline' },
  restart: { label: 'Restart', Icon: RotateCw, variant: 'outline' },
  stop: { label: 'Stop', Icon: Square, variant: 'outline' },
  start: { label: 'Start', Icon: Play, variant: 'outline' }
};

const DEFAULT_TOOLS = {
  logs: 'docker.container_logs',
  restart: 'docker.restart_container',
  stop: 'docker.stop_container',
  start: 'docker.start_container'
};

const DONE = {
  'docker.restart_container': 'restarted',
  'docker.stop_container': 'stopped',
  'docker.start_container': 'started',
  'docker.container_logs': 'logs below'
};

// Shared helpers: public/jarvis-widgets.js, loaded by custom_js in .chainlit/config.toml.
// Without it the widget still draws, but keeps no state across re-renders and its buttons
// answer why.
const { usePersisted, call } = window.JarvisWidgets
  ? window.JarvisWidgets.bind({ useCallback, useEffect, useRef, useState }, callAction)
  : {
      usePersisted: (scope, key, initial) => useState(initial),
      call: async () => ({ error: 'widget helpers not loaded' })
    };

function replyText(reply, tool) {
  if (typeof reply === 'string') return reply;
  if (!reply || typeof reply !== 'object') return 'done';
  if (reply.text) return String(reply.text);
  if (reply.error) return 'failed: ' + reply.error;
  const message = reply.message ? String(reply.message) : '';
  switch (reply.status) {
    case 'approval_required':
      return 'needs approval — see the card below';
    case 'denied':
      if (!reply.reason && /^denied/i.test(message)) return message;
      return 'denied: ' + (reply.reason || message || 'by policy');
    case 'error':
      return 'failed: ' + (message || 'unknown error');
    case 'no_data':
      return tool === 'docker.container_logs' ? 'no log lines' : 'done';
    default:
      return DONE[tool] || 'done';
  }
}

function buttonsFor(state) {
  if (state === 'running') return ['logs', 'restart', 'stop'];
  if (state === 'restarting') return ['logs', 'stop'];
  if (state === 'exited' || state === 'created' || state === 'dead')
    return ['logs', 'start'];
  return ['logs'];
}

function ToneBadge({ tone, label, testId }) {
  const t = TONES[tone] || TONES.neutral;
  const Icon = t.Icon;
  return (
    <span
      data-testid={testId}
      className="inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-semibold"
      style={{ backgroundColor: t.bg, color: t.fg }}
    >
      <Icon className="h-3 w-3" aria-hidden="true" />
      {label}
    </span>
  );
}

function Fact({ label, children }) {
  return (
    <div className="flex items-center gap-1 min-w-0">
      <dt className="text-muted-foreground">{label}</dt>
      <dd className="text-foreground" style={{ overflowWrap: 'anywhere' }}>
        {children}
      </dd>
    </div>
  );
}

function Row({ row, tools, action, outcome, pending, onAct }) {
  const name = row.name;
  const state = outcome && outcome.state ? outcome.state : row.state;
  const stateTone =
    outcome && outcome.state
      ? STATE_TONES[state] || 'neutral'
      : row.state_tone || 'neutral';
  const buttons =
    outcome && outcome.state ? buttonsFor(state) : row.buttons || buttonsFor(state);
  const usage = [];
  if (row.cpu_percent !== null && row.cpu_percent !== undefined)
    usage.push('CPU ' + row.cpu_percent.toFixed(1) + '%');
  if (row.memory) usage.push('mem ' + row.memory);
  else if (row.memory_percent !== null && row.memory_percent !== undefined)
    usage.push('mem ' + row.memory_percent.toFixed(1) + '%');
  return (
    <li
      data-testid={'container-row-' + name}
      aria-label={'Container ' + name}
      className="flex flex-col gap-2 rounded-md border p-3"
    >
      <div className="flex flex-wrap items-center gap-2">
        <span
          className="font-semibold text-foreground"
          style={{ overflowWrap: 'anywhere' }}
        >
          {name}
        </span>
        <ToneBadge tone={stateTone} label={state} testId={'state-' + name} />
        {row.health && row.health !== 'none' ? (
          <ToneBadge
            tone={row.health_tone}
            label={row.health}
            testId={'health-' + name}
          />
        ) : null}
        {row.status && !(outcome && outcome.state) ? (
          <span className="text-xs text-muted-foreground">{row.status}</span>
        ) : null}
      </div>
      <dl className="flex flex-wrap gap-2 text-xs" style={{ columnGap: '1rem' }}>
        <Fact label="Image">{row.image}</Fact>
        {row.uptime && !/^Up /.test(row.status || '') && !(outcome && outcome.state) ? (
          <Fact label="Up">{row.uptime}</Fact>
        ) : null}
        {row.restart_count ? <Fact label="Restarts">{row.restart_count}</Fact> : null}
        {usage.length ? <Fact label="Use">{usage.join(', ')}</Fact> : null}
        {row.ports && row.ports.length ? (
          <Fact label="Ports">{row.ports.join(', ')}</Fact>
        ) : null}
        {row.compose ? <Fact label="Compose">{row.compose}</Fact> : null}
      </dl>
      <div className="flex flex-wrap items-center gap-2">
        {buttons.map((key) => {
          const spec = BUTTONS[key];
          if (!spec) return null;
          const Icon = pending === key ? LoaderCircle : spec.Icon;
          return (
            <Button
              key={key}
              size="sm"
              variant={spec.variant}
              data-testid={key + '-' + name}
              aria-label={spec.label + ' ' + name}
              disabled={Boolean(pending)}
              onClick={() => onAct(name, key, tools[key] || DEFAULT_TOOLS[key], action)}
            >
              <Icon
                className={pending === key ? 'animate-spin' : undefined}
                aria-hidden="true"
              />
              {spec.label}
            </Button>
          );
        })}
        <span
          role="status"
          aria-live="polite"
          data-testid={'row-status-' + name}
          className="text-sm text-foreground"
        >
          {pending ? 'working…' : outcome ? outcome.text : ''}
        </span>
      </div>
    </li>
  );
}

export default function ContainerTable() {
  const p = props || {};
  const scope = 'ContainerTable:' + (p.widget_id || 'default');
  const rows = Array.isArray(p.containers) ? p.containers : [];
  const tools = p.tools || DEFAULT_TOOLS;
  const action = p.action || 'jarvis_tool';
  const [filter, setFilter] = usePersisted(scope, 'filter', '');
  const [pending, setPending] = usePersisted(scope, 'pending', {});
  const [outcomes, setOutcomes] = usePersisted(scope, 'outcomes', {});

  const shown = useMemo(() => {
    const q = filter.trim().toLowerCase();
    if (!q) return rows;
    return rows.filter((r) =>
      [r.name, r.image, r.state, r.health, r.compose, (r.ports || []).join(' ')]
        .filter(Boolean)
        .some((v) => String(v).toLowerCase().includes(q))
    );
  }, [rows, filter]);

  const onAct = useCallback(
    async (name, key, tool, actionName) => {
      setPending((prev) => ({ ...prev, [name]: key }));
      const reply = await call(actionName, { tool, args: { name } });
      const text = replyText(reply, tool);
      const state = reply && typeof reply === 'object' ? reply.state : undefined;
      setOutcomes((prev) => ({ ...prev, [name]: { text, state } }));
      setPending((prev) => {
        const next = { ...prev };
        delete next[name];
        return next;
      });
    },
    [setPending, setOutcomes]
  );

  const failed = p.status === 'error' || p.status === 'denied';
  return (
    <section
      data-testid="container-table"
      aria-label="Containers"
      className="flex w-full min-w-0 flex-col gap-3 rounded-lg border bg-card p-3 text-card-foreground"
    >
      <header className="flex flex-wrap items-center justify-between gap-2">
        <h3 className="text-base font-semibold">Containers</h3>
        <span className="text-sm text-muted-foreground" data-testid="container-summary">
          {(p.running || 0) + ' running of ' + (p.total || rows.length)}
          {p.unhealthy ? ', ' + p.unhealthy + ' unhealthy' : ''}
        </span>
      </header>
      {failed ? (
        <p role="alert" className="rounded-md border p-2 text-sm text-foreground">
          {p.status === 'denied' ? 'Denied: ' : 'Could not list containers: '}
          {p.message || 'unknown error'}
        </p>
      ) : null}
      {rows.length ? (
        <div className="relative">
          <Search
            className="pointer-events-none absolute h-4 w-4 text-muted-foreground"
            style={{ left: '0.75rem', top: '0.75rem' }}
            aria-hidden="true"
          />
          <Input
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
            placeholder="Filter by name, image, state, port"
            aria-label="Filter containers"
            data-testid="container-filter"
            style={{ paddingLeft: '2.25rem' }}
          />
        </div>
      ) : null}
      {rows.length && shown.length !== rows.length ? (
        <p className="text-xs text-muted-foreground" aria-live="polite">
          {shown.length + ' of ' + rows.length + ' shown'}
        </p>
      ) : null}
      {!failed && !rows.length ? (
        <p className="text-sm text-muted-foreground">No containers.</p>
      ) : null}
      <ul className="flex flex-col gap-2" aria-label="Container list">
        {shown.map((row) => (
          <Row
            key={row.name}
            row={row}
            tools={tools}
            action={action}
            outcome={outcomes[row.name]}
            pending={pending[row.name]}
            onAct={onAct}
          />
        ))}
      </ul>
    </section>
  );
}
