import { CircleCheck, CircleMinus, CircleX, Clock, TriangleAlert } from 'lucide-react';

// Status colours: solid badge with white text (contrast checked in tests/ui/chat).
const TONES = {
  ok: { bg: '#15803d', fg: '#ffffff', Icon: CircleCheck },
  warn: { bg: '#b45309', fg: '#ffffff', Icon: TriangleAlert },
  bad: { bg: '#b91c1c', fg: '#ffffff', Icon: CircleX },
  neutral: { bg: '#4b5563', fg: '#ffffff', Icon: CircleMinus }
};

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

function Row({ run }) {
  const id = run.id;
  const repairs = Array.isArray(run.repairs) ? run.repairs : [];
  return (
    <li
      data-testid={'run-row-' + id}
      aria-label={'Run ' + run.kind + ' ' + id}
      className="flex flex-col gap-2 rounded-md border p-3"
    >
      <div className="flex flex-wrap items-center gap-2">
        <span className="font-semibold text-foreground">{run.kind}</span>
        <ToneBadge tone={run.status_tone} label={run.status} testId={'run-status-' + id} />
        <span className="text-xs text-muted-foreground">{run.trigger}</span>
        <span className="flex items-center gap-1 text-xs text-muted-foreground tabular-nums">
          <Clock className="h-3 w-3" aria-hidden="true" />
          {run.when_text}
          {run.duration_text ? ' · took ' + run.duration_text : ''}
        </span>
      </div>
      {run.summary ? (
        <p
          data-testid={'run-summary-' + id}
          className="text-sm text-foreground"
          style={{ overflowWrap: 'anywhere' }}
        >
          {run.summary}
        </p>
      ) : null}
      {run.error ? (
        <p className="text-sm text-foreground" style={{ overflowWrap: 'anywhere' }}>
          {'Error: ' + run.error}
        </p>
      ) : null}
      <div className="flex flex-wrap items-center gap-2 text-xs">
        <span className="text-muted-foreground tabular-nums">
          {run.findings + ' findings · ' + run.actions + ' actions · ' + run.approvals + ' approvals'}
        </span>
        {repairs.map((r, i) => (
          <ToneBadge key={i} tone={r.tone} label={r.text} testId={'run-repair-' + id + '-' + i} />
        ))}
      </div>
    </li>
  );
}

export default function RunsPanel() {
  const p = props || {};
  const runs = Array.isArray(p.runs) ? p.runs : [];
  const failed = p.status === 'error' || p.status === 'denied';
  return (
    <section
      data-testid="runs-panel"
      aria-label="Background runs"
      className="flex w-full min-w-0 flex-col gap-3 rounded-lg border bg-card p-3 text-card-foreground"
    >
      <header className="flex flex-wrap items-center justify-between gap-2">
        <h3 className="text-base font-semibold">Background runs</h3>
        <span className="text-sm text-muted-foreground" data-testid="runs-summary">
          {(p.total || 0) + ' runs, ' + (p.period_text || 'last 24 hours')}
          {p.failed ? ', ' + p.failed + ' failed' : ''}
          {p.repairs ? ', ' + p.repairs + ' repairs' : ''}
        </span>
      </header>
      {failed ? (
        <p role="alert" className="rounded-md border p-2 text-sm text-foreground">
          {p.status === 'denied' ? 'Denied: ' : 'Could not list the runs: '}
          {p.message || 'unknown error'}
        </p>
      ) : null}
      {!failed && !runs.length ? (
        <p className="text-sm text-muted-foreground">No runs in this time.</p>
      ) : null}
      <ul className="flex flex-col gap-2" aria-label="Runs">
        {runs.map((run) => (
          <Row key={run.id} run={run} />
        ))}
      </ul>
    </section>
  );
}
