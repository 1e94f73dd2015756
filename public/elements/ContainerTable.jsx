import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import {
  ArrowDown,
  ArrowUp,
  ChevronsUpDown,
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

// The table needs room: at phone widths (the breakpoint of public/jarvis-cosmic.css) each
// container is a card instead.
const NARROW = '(max-width: 640px)';

function useNarrow() {
  const query = typeof window !== 'undefined' && window.matchMedia ? window.matchMedia(NARROW) : null;
  const [narrow, setNarrow] = useState(query ? query.matches : false);
  useEffect(() => {
    if (!query) return undefined;
    const changed = () => setNarrow(query.matches);
    changed();
    query.addEventListener('change', changed);
    return () => query.removeEventListener('change', changed);
  }, []);
  return narrow;
}

function currentOf(row, outcome) {
  const moved = Boolean(outcome && outcome.state);
  const state = moved ? outcome.state : row.state;
  return {
    moved,
    state,
    stateTone: moved ? STATE_TONES[state] || 'neutral' : row.state_tone || 'neutral',
    buttons: moved ? buttonsFor(state) : row.buttons || buttonsFor(state)
  };
}

// A row's container is its name on its host: two hosts may both run a "plex", so what a row
// is doing (pending, last outcome) is kept under both.
function rowKey(row) {
  return row.host ? row.host + '/' + row.name : String(row.name);
}

// What a row's button sends: the container, and its host when it runs on another one.
function targetOf(row) {
  return row.host ? { name: row.name, host: row.host } : { name: row.name };
}

function has(value) {
  return value !== null && value !== undefined;
}

function cpuText(row) {
  return has(row.cpu_percent) ? row.cpu_percent.toFixed(1) + '%' : '';
}

function memoryText(row) {
  if (row.memory) return row.memory;
  return has(row.memory_percent) ? row.memory_percent.toFixed(1) + '%' : '';
}

// Sortable columns; CPU and memory only when some row has them (stats were asked for).
const COLUMNS = [
  { key: 'name', label: 'Name', value: (r) => String(r.name || '').toLowerCase() },
  { key: 'state', label: 'State', value: (r, o) => currentOf(r, o).state },
  {
    key: 'health',
    label: 'Health',
    value: (r) => (r.health && r.health !== 'none' ? r.health : null)
  },
  { key: 'image', label: 'Image', value: (r) => String(r.image || '').toLowerCase() },
  {
    key: 'cpu',
    label: 'CPU',
    optional: true,
    value: (r) => (has(r.cpu_percent) ? r.cpu_percent : null)
  },
  {
    key: 'memory',
    label: 'Memory',
    optional: true,
    value: (r) => (has(r.memory_percent) ? r.memory_percent : null)
  }
];

function sortRows(rows, sort, outcomes) {
  const column = sort && COLUMNS.find((c) => c.key === sort.key);
  if (!column) return rows;
  const sign = sort.dir === 'desc' ? -1 : 1;
  return rows
    .map((row, index) => ({ row, index, v: column.value(row, outcomes[rowKey(row)]) }))
    .sort((a, b) => {
      // Rows without a value go last either way; ties keep the order Jarvis sent.
      if (a.v === null && b.v === null) return a.index - b.index;
      if (a.v === null) return 1;
      if (b.v === null) return -1;
      if (a.v < b.v) return -sign;
      if (a.v > b.v) return sign;
      return a.index - b.index;
    })
    .map((x) => x.row);
}

// In the table the buttons are icons (named by aria-label and a tooltip) so a row stays one
// line; a card has room for their words.
function RowButtons({ row, buttons, tools, action, pending, outcome, onAct, compact }) {
  const name = row.name;
  const where = row.host ? ' on ' + row.host : '';
  const status = (
    <span
      role="status"
      aria-live="polite"
      data-testid={'row-status-' + name}
      className={compact ? 'text-xs text-foreground' : 'text-sm text-foreground'}
    >
      {pending ? 'working…' : outcome ? outcome.text : ''}
    </span>
  );
  const controls = buttons.map((key) => {
    const spec = BUTTONS[key];
    if (!spec) return null;
    const Icon = pending === key ? LoaderCircle : spec.Icon;
    return (
      <Button
        key={key}
        size={compact ? 'icon' : 'sm'}
        variant={spec.variant}
        data-testid={key + '-' + name}
        aria-label={spec.label + ' ' + name + where}
        title={compact ? spec.label : undefined}
        style={compact ? { width: '2.25rem', height: '2.25rem' } : undefined}
        disabled={Boolean(pending)}
        onClick={() => onAct(row, key, tools[key] || DEFAULT_TOOLS[key], action)}
      >
        <Icon className={pending === key ? 'animate-spin' : undefined} aria-hidden="true" />
        {compact ? null : spec.label}
      </Button>
    );
  });
  if (compact) {
    return (
      <div className="flex flex-col gap-1">
        <div className="flex items-center gap-1">{controls}</div>
        {status}
      </div>
    );
  }
  return (
    <div className="flex flex-wrap items-center gap-2">
      {controls}
      {status}
    </div>
  );
}

function Card({ row, tools, action, outcome, pending, onAct }) {
  const name = row.name;
  const now = currentOf(row, outcome);
  const usage = [];
  if (cpuText(row)) usage.push('CPU ' + cpuText(row));
  if (memoryText(row)) usage.push('mem ' + memoryText(row));
  return (
    <li
      data-testid={'container-row-' + name}
      data-jarvis="container-card"
      aria-label={'Container ' + name}
      className="flex flex-col gap-2 rounded-md border p-3"
    >
      <div className="flex flex-wrap items-center gap-2">
        <span className="font-semibold text-foreground" style={{ overflowWrap: 'anywhere' }}>
          {name}
        </span>
        {row.host ? (
          <span data-testid={'host-' + name} className="text-xs text-muted-foreground">
            {'on ' + row.host}
          </span>
        ) : null}
        <ToneBadge tone={now.stateTone} label={now.state} testId={'state-' + name} />
        {row.health && row.health !== 'none' ? (
          <ToneBadge tone={row.health_tone} label={row.health} testId={'health-' + name} />
        ) : null}
        {row.status && !now.moved ? (
          <span className="text-xs text-muted-foreground">{row.status}</span>
        ) : null}
      </div>
      <dl className="flex flex-wrap gap-2 text-xs" style={{ columnGap: '1rem' }}>
        <Fact label="Image">{row.image}</Fact>
        {row.uptime && !/^Up /.test(row.status || '') && !now.moved ? (
          <Fact label="Up">{row.uptime}</Fact>
        ) : null}
        {row.restart_count ? <Fact label="Restarts">{row.restart_count}</Fact> : null}
        {usage.length ? <Fact label="Use">{usage.join(', ')}</Fact> : null}
        {row.ports && row.ports.length ? <Fact label="Ports">{row.ports.join(', ')}</Fact> : null}
        {row.compose ? <Fact label="Compose">{row.compose}</Fact> : null}
      </dl>
      <RowButtons
        row={row}
        buttons={now.buttons}
        tools={tools}
        action={action}
        pending={pending}
        outcome={outcome}
        onAct={onAct}
      />
    </li>
  );
}

function TableRow({ row, columns, tools, action, outcome, pending, onAct }) {
  const name = row.name;
  const now = currentOf(row, outcome);
  const extra = [];
  if (row.ports && row.ports.length) extra.push(row.ports.join(', '));
  if (row.compose) extra.push('compose ' + row.compose);
  if (row.restart_count) extra.push(row.restart_count + ' restarts');
  if (row.host) extra.unshift('on ' + row.host);
  const shows = (key) => columns.some((c) => c.key === key);
  return (
    <tr data-testid={'container-row-' + name} aria-label={'Container ' + name} className="border-b">
      <th scope="row" className="p-2 text-left align-middle">
        <span className="font-semibold text-foreground" style={{ overflowWrap: 'anywhere' }}>
          {name}
        </span>
        {extra.length ? (
          <span className="flex text-xs font-medium text-muted-foreground">{extra.join(' · ')}</span>
        ) : null}
      </th>
      <td className="p-2 align-middle">
        <span className="flex flex-wrap items-center gap-1">
          <ToneBadge tone={now.stateTone} label={now.state} testId={'state-' + name} />
          {row.status && !now.moved ? (
            <span className="text-xs text-muted-foreground">{row.status}</span>
          ) : null}
        </span>
      </td>
      <td className="p-2 align-middle">
        {row.health && row.health !== 'none' ? (
          <ToneBadge tone={row.health_tone} label={row.health} testId={'health-' + name} />
        ) : (
          <span className="text-xs text-muted-foreground">–</span>
        )}
      </td>
      <td className="p-2 align-middle text-xs" style={{ overflowWrap: 'break-word' }}>
        {row.image}
      </td>
      {shows('cpu') ? <td className="p-2 align-middle text-xs tabular-nums">{cpuText(row)}</td> : null}
      {shows('memory') ? (
        <td className="p-2 align-middle text-xs tabular-nums">{memoryText(row)}</td>
      ) : null}
      <td className="p-2 align-middle">
        <RowButtons
          compact
          row={row}
          buttons={now.buttons}
          tools={tools}
          action={action}
          pending={pending}
          outcome={outcome}
          onAct={onAct}
        />
      </td>
    </tr>
  );
}

function SortHeader({ column, sort, onSort }) {
  const active = sort && sort.key === column.key;
  const dir = active ? sort.dir : null;
  const Icon = dir === 'asc' ? ArrowUp : dir === 'desc' ? ArrowDown : ChevronsUpDown;
  return (
    <th
      scope="col"
      aria-sort={dir === 'asc' ? 'ascending' : dir === 'desc' ? 'descending' : 'none'}
      className="p-2 text-left align-middle"
    >
      <button
        type="button"
        data-testid={'sort-' + column.key}
        data-jarvis="sort-button"
        onClick={() => onSort(column.key)}
        className="inline-flex items-center gap-1 rounded-md text-xs font-semibold text-muted-foreground hover:bg-accent"
      >
        {column.label}
        <Icon className="h-3 w-3 shrink-0" aria-hidden="true" />
      </button>
    </th>
  );
}

export default function ContainerTable() {
  const p = props || {};
  const scope = 'ContainerTable:' + (p.widget_id || 'default');
  const rows = Array.isArray(p.containers) ? p.containers : [];
  const tools = p.tools || DEFAULT_TOOLS;
  const action = p.action || 'jarvis_tool';
  const narrow = useNarrow();
  const [filter, setFilter] = usePersisted(scope, 'filter', '');
  const [pending, setPending] = usePersisted(scope, 'pending', {});
  const [outcomes, setOutcomes] = usePersisted(scope, 'outcomes', {});
  // null: the order Jarvis sent; else {key, dir} from the last header clicked.
  const [sort, setSort] = usePersisted(scope, 'sort', null);

  const columns = useMemo(
    () => COLUMNS.filter((c) => !c.optional || rows.some((r) => c.value(r) !== null)),
    [rows]
  );

  const shown = useMemo(() => {
    const q = filter.trim().toLowerCase();
    const kept = !q
      ? rows
      : rows.filter((r) =>
          [r.name, r.host, r.image, r.state, r.health, r.compose, (r.ports || []).join(' ')]
            .filter(Boolean)
            .some((v) => String(v).toLowerCase().includes(q))
        );
    return sortRows(kept, sort, outcomes);
  }, [rows, filter, sort, outcomes]);

  const onSort = useCallback(
    (key) =>
      setSort((prev) =>
        prev && prev.key === key
          ? { key, dir: prev.dir === 'asc' ? 'desc' : 'asc' }
          : { key, dir: 'asc' }
      ),
    [setSort]
  );

  const onAct = useCallback(
    async (row, key, tool, actionName) => {
      const id = rowKey(row);
      setPending((prev) => ({ ...prev, [id]: key }));
      const reply = await call(actionName, { tool, args: targetOf(row) });
      const text = replyText(reply, tool);
      const state = reply && typeof reply === 'object' ? reply.state : undefined;
      setOutcomes((prev) => ({ ...prev, [id]: { text, state } }));
      setPending((prev) => {
        const next = { ...prev };
        delete next[id];
        return next;
      });
    },
    [setPending, setOutcomes]
  );

  const failed = p.status === 'error' || p.status === 'denied';
  const shared = { tools, action, onAct };
  return (
    <section
      data-testid="container-table"
      data-jarvis="panel"
      data-layout={narrow ? 'cards' : 'table'}
      aria-label="Containers"
      className="flex w-full min-w-0 flex-col gap-3 rounded-lg border bg-card p-3 text-card-foreground"
    >
      <header className="flex flex-wrap items-center justify-between gap-2">
        <h3 className="text-base font-semibold">
          {p.host ? 'Containers on ' + p.host : 'Containers'}
        </h3>
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
      {narrow ? (
        <ul className="flex flex-col gap-2" aria-label="Container list">
          {shown.map((row) => (
            <Card
              key={rowKey(row)}
              row={row}
              outcome={outcomes[rowKey(row)]}
              pending={pending[rowKey(row)]}
              {...shared}
            />
          ))}
        </ul>
      ) : rows.length ? (
        <div className="w-full overflow-x-auto">
          <table
            data-testid="container-grid"
            data-jarvis="container-grid"
            className="w-full border-collapse text-sm"
          >
            <caption className="sr-only">Containers; select a column header to sort</caption>
            <thead>
              <tr className="border-b">
                {columns.map((c) => (
                  <SortHeader key={c.key} column={c} sort={sort} onSort={onSort} />
                ))}
                <th scope="col" className="p-2 text-left align-middle text-xs font-semibold">
                  <span className="text-muted-foreground">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.map((row) => (
                <TableRow
                  key={rowKey(row)}
                  row={row}
                  columns={columns}
                  outcome={outcomes[rowKey(row)]}
                  pending={pending[rowKey(row)]}
                  {...shared}
                />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
